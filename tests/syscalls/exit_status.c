/* exit(42) after output: stdio is flushed, status 42. */
#include "common.h"

int main(void)
{
    printf("about to exit with 42\n");
    exit(42);
}

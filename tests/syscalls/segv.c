/* A store to NULL kills the process with SIGSEGV. Output is flushed first. */
#include "common.h"

int main(void)
{
    printf("before the fault\n");
    fflush(stdout);
    volatile int *volatile p = NULL;
    *p = 1;
    printf("unreachable\n");
    return 0;
}

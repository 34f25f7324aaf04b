/* Raw exit(2) from the only thread ends the process with that status (7). */
#include "common.h"

int main(void)
{
    printf("calling SYS_exit(7) in a single-threaded process\n");
    fflush(stdout);
    syscall(SYS_exit, 7);
    printf("unreachable\n");
    return 1;
}

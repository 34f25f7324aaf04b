/* The first process kills itself with SIGTERM (no handler): it dies of it, even where it is
 * PID 1 (the sandbox's init must not be protected the way a kernel PID-namespace init is, or
 * `sh -c 'kill -TERM $$'` would behave differently from native). */
#include "proc.h"

int main(void)
{
    printf("before kill\n");
    fflush(stdout);
    kill(getpid(), SIGTERM);
    printf("after kill (only reached if SIGTERM was ignored)\n");
    return 0;
}

/* A binary tree of processes, depth 5 (63 processes): each node returns 1 + its subtree size. */
#include "proc.h"

static int node(int depth)
{
    if (depth == 0)
        return 1;
    pid_t l = fork();
    if (l == 0)
        _exit(node(depth - 1));
    pid_t r = fork();
    if (r == 0)
        _exit(node(depth - 1));
    int a, b;
    waitpid(l, &a, 0);
    waitpid(r, &b, 0);
    return 1 + WEXITSTATUS(a) + WEXITSTATUS(b);
}

int main(void)
{
    fflush(stdout);
    printf("tree of depth 5: %d processes\n", node(5));
    /* a chain: each process forks the next, 30 deep, statuses propagate */
    pid_t c = xfork();
    if (c == 0) {
        int depth = 0;
        for (;;) {
            if (depth == 30)
                _exit(depth);
            pid_t n = fork();
            if (n != 0) {
                int st;
                waitpid(n, &st, 0);
                _exit(WEXITSTATUS(st));
            }
            depth++;
        }
    }
    reap("chain of 30", c);
    return 0;
}

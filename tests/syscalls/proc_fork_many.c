/* 500 short-lived children, at most 50 alive at a time, all reaped; statuses summed. */
#include "proc.h"

int main(void)
{
    long sum = 0, expect = 0;
    int alive = 0, reaped = 0, failed = 0;
    for (int i = 0; i < 500; i++) {
        if (alive == 50) {
            int st;
            if (wait(&st) > 0) {
                sum += WEXITSTATUS(st);
                alive--;
                reaped++;
            }
        }
        pid_t c = xfork();
        if (c == 0)
            _exit(i % 251);
        if (c < 0) {
            failed++;
            continue;
        }
        alive++;
        expect += i % 251;
    }
    int st;
    pid_t r;
    while ((r = wait(&st)) > 0) {
        sum += WEXITSTATUS(st);
        reaped++;
    }
    printf("forks failed: %d, reaped: %d, sum matches: %s, final wait: %s\n", failed, reaped, sum == expect ? "yes" : "no", errname(errno));
    /* 100 at once, exiting together */
    for (int i = 0; i < 100; i++)
        if (xfork() == 0)
            _exit(1);
    int n = 0;
    while (wait(NULL) > 0)
        n++;
    printf("100 concurrent children reaped: %d\n", n);
    return 0;
}

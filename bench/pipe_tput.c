/* Moves M MiB (argv[1], default 64) from a child to its parent through a pipe; prints MiB_per_s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 64;
    static char buf[65536];
    int fds[2];
    if (pipe(fds) != 0) return 1;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t p = fork();
    if (p == 0) {
        close(fds[0]);
        memset(buf, 'x', sizeof buf);
        for (long left = mib << 20; left > 0;) {
            ssize_t w = write(fds[1], buf, left < (long)sizeof buf ? left : (long)sizeof buf);
            if (w <= 0) _exit(1);
            left -= w;
        }
        _exit(0);
    }
    close(fds[1]);
    long total = 0;
    ssize_t r;
    while ((r = read(fds[0], buf, sizeof buf)) > 0) total += r;
    waitpid(p, NULL, 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    if (total != mib << 20) { fprintf(stderr, "short transfer\n"); return 1; }
    printf("MiB_per_s %.1f\n", mib / s);
    return 0;
}

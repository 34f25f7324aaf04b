/* fork + wait of a process with a touched heap of argv[2] MiB (default 64), N times (argv[1]);
 * the child writes one page (copy-on-write) and exits. Prints us_per_fork. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 50;
    size_t mib = argc > 2 ? (size_t)atoi(argv[2]) : 64;
    char *heap = malloc(mib << 20);
    memset(heap, 1, mib << 20);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) { heap[i * 4096 % (mib << 20)] = 2; _exit(0); }
        int st;
        if (waitpid(p, &st, 0) != p || !WIFEXITED(st)) { fprintf(stderr, "fork failed\n"); return 1; }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n;
    printf("us_per_fork %.1f\n", us);
    return 0;
}

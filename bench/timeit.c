// timeit.c - start-up timer for bench/run.sh.
//
// usage: timeit RUNS PROGRAM [ARGS...]
//
// Runs PROGRAM RUNS times, one after the other (fork + execvp + waitpid), timing each run's
// wall clock with CLOCK_MONOTONIC, and prints the median on stdout as "median_ns <int>".
// The program's stdout goes to /dev/null, its stderr is kept. If any run exits non-zero or is
// killed, timeit says so on stderr and exits 1.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int runs = argc > 2 ? atoi(argv[1]) : 0;
    if (runs <= 0) {
        fprintf(stderr, "usage: %s RUNS PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    long long *t = calloc((size_t)runs, sizeof *t);
    if (devnull < 0 || !t) {
        perror("timeit");
        return 1;
    }
    for (int i = 0; i < runs; i++) {
        long long t0 = now_ns();
        pid_t pid = fork();
        if (pid == -1) {
            perror("timeit: fork");
            return 1;
        }
        if (pid == 0) {
            dup2(devnull, STDOUT_FILENO);
            execvp(argv[2], argv + 2);
            fprintf(stderr, "timeit: exec %s: %s\n", argv[2], strerror(errno));
            _exit(127);
        }
        int st;
        while (waitpid(pid, &st, 0) == -1)
            if (errno != EINTR) {
                perror("timeit: waitpid");
                return 1;
            }
        t[i] = now_ns() - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            if (WIFEXITED(st))
                fprintf(stderr, "timeit: %s exited with status %d\n", argv[2], WEXITSTATUS(st));
            else
                fprintf(stderr, "timeit: %s killed by signal %d\n", argv[2], WTERMSIG(st));
            return 1;
        }
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    long long med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    printf("median_ns %lld\n", med);
    return 0;
}

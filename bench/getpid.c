// getpid.c - syscall round-trip micro-benchmark.
// Does N raw syscall(SYS_getpid) calls (default 200000, argv[1] overrides), times the loop
// with clock_gettime(CLOCK_MONOTONIC) and prints "ns_per_call <float>" on stdout.
// Built -static so it runs the same natively, under bench/sysemu_tracer and in the sandbox.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (n <= 0) {
        fprintf(stderr, "usage: %s [iterations > 0]\n", argv[0]);
        return 2;
    }
    long pid = syscall(SYS_getpid);
    if (pid <= 0) {
        perror("getpid");
        return 1;
    }
    struct timespec t0, t1;
    volatile long sink = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++)
        sink += syscall(SYS_getpid);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    printf("ns_per_call %.1f\n", ns / (double)n);
    return sink == pid * n ? 0 : 1; // every call must have returned the same pid
}

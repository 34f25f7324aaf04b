/* A parent and a child bounce one byte N times (argv[1], default 20000) over a socketpair of
 * type argv[2] ("stream", the default, or "dgram"); prints us_per_round_trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int type = argc > 2 && strcmp(argv[2], "dgram") == 0 ? SOCK_DGRAM : SOCK_STREAM;
    int sv[2];
    if (socketpair(AF_UNIX, type, 0, sv) != 0) return 1;
    char c = 'x';
    pid_t p = fork();
    if (p == 0) {
        for (int i = 0; i < n; i++)
            if (read(sv[1], &c, 1) != 1 || write(sv[1], &c, 1) != 1) _exit(1);
        _exit(0);
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++)
        if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1) return 1;
    clock_gettime(CLOCK_MONOTONIC, &b);
    waitpid(p, NULL, 0);
    printf("us_per_round_trip %.2f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n);
    return 0;
}

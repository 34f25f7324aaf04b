/* A parent and a child bounce one byte N times (argv[1], default 20000) over loopback: a TCP
 * connection with TCP_NODELAY (argv[2] "tcp", the default) or UDP ("udp"); prints us_per_round_trip. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
    int udp = argc > 2 && strcmp(argv[2], "udp") == 0;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int one = 1, x, y;
    if (udp) {
        x = socket(AF_INET, SOCK_DGRAM, 0);
        y = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in b = a;
        bind(x, (struct sockaddr *)&a, len);
        bind(y, (struct sockaddr *)&b, len);
        getsockname(x, (struct sockaddr *)&a, &len);
        getsockname(y, (struct sockaddr *)&b, &len);
        if (connect(x, (struct sockaddr *)&b, len) || connect(y, (struct sockaddr *)&a, len)) return 1;
    } else {
        int l = socket(AF_INET, SOCK_STREAM, 0);
        if (bind(l, (struct sockaddr *)&a, len) || listen(l, 1)) return 1;
        getsockname(l, (struct sockaddr *)&a, &len);
        x = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(x, (struct sockaddr *)&a, len)) return 1;
        y = accept(l, NULL, NULL);
        setsockopt(x, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(y, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    char c = 'x';
    pid_t p = fork();
    if (p == 0) {
        for (int i = 0; i < n; i++)
            if (read(y, &c, 1) != 1 || write(y, &c, 1) != 1) _exit(1);
        _exit(0);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++)
        if (write(x, &c, 1) != 1 || read(x, &c, 1) != 1) return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    waitpid(p, NULL, 0);
    printf("us_per_round_trip %.2f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n);
    return 0;
}

/* TCP throughput through whatever lies between a client and a server (port forwarding).
 *   portfwd_tput serve PORT        listens on 0.0.0.0:PORT; per connection a command byte:
 *                                  'u': reads to end of stream, then answers one byte;
 *                                  'd' + 8-byte length: sends that many bytes, then closes.
 *   portfwd_tput up|down HOST PORT MIB
 *                                  moves MIB MiB to (up) or from (down) the server in 64 KiB
 *                                  pieces; prints MiB_per_s (end of stream / answer included). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char buf[65536];

static int readall(int fd, void *p, size_t n)
{
    for (size_t at = 0; at < n;) {
        ssize_t r = read(fd, (char *)p + at, n - at);
        if (r <= 0) return -1;
        at += r;
    }
    return 0;
}

static int writeall(int fd, const void *p, size_t n)
{
    for (size_t at = 0; at < n;) {
        ssize_t w = write(fd, (const char *)p + at, n - at);
        if (w <= 0) return -1;
        at += w;
    }
    return 0;
}

static void serve(int port)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 16)) { perror("bind/listen"); exit(1); }
    for (;;) {
        int c = accept(l, NULL, NULL);
        if (c < 0) continue;
        char cmd;
        if (readall(c, &cmd, 1) == 0) {
            if (cmd == 'u') {
                while (read(c, buf, sizeof buf) > 0) {}
                writeall(c, "k", 1);
            } else if (cmd == 'd') {
                uint64_t n;
                if (readall(c, &n, 8) == 0)
                    for (uint64_t sent = 0; sent < n; sent += sizeof buf)
                        if (writeall(c, buf, n - sent < sizeof buf ? n - sent : sizeof buf)) break;
            }
        }
        close(c);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "serve") == 0) serve(atoi(argv[2]));
    if (argc != 5) { fprintf(stderr, "usage: portfwd_tput serve PORT | up|down HOST PORT MIB\n"); return 2; }
    uint64_t bytes = (uint64_t)atol(argv[4]) << 20;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[3])) };
    inet_pton(AF_INET, argv[2], &a.sin_addr);
    if (connect(s, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (strcmp(argv[1], "up") == 0) {
        writeall(s, "u", 1);
        for (uint64_t sent = 0; sent < bytes; sent += sizeof buf)
            if (writeall(s, buf, sizeof buf)) { perror("write"); return 1; }
        shutdown(s, SHUT_WR);
        char k;
        if (readall(s, &k, 1)) { fprintf(stderr, "no answer\n"); return 1; }
    } else {
        char cmd[9] = { 'd' };
        memcpy(cmd + 1, &bytes, 8);
        writeall(s, cmd, 9);
        uint64_t got = 0;
        ssize_t r;
        while ((r = read(s, buf, sizeof buf)) > 0) got += r;
        if (got != bytes) { fprintf(stderr, "got %llu of %llu bytes\n", (unsigned long long)got, (unsigned long long)bytes); return 1; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("MiB_per_s %.1f\n", (bytes >> 20) / secs);
    return 0;
}

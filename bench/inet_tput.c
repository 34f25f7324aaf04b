/* Moves M MiB (argv[1], default 64) from a child to its parent over TCP on loopback (127.0.0.1,
 * or ::1 with argv[2] = "6") in 64 KiB writes; prints MiB_per_s. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 64;
    int v6 = argc > 2 && strcmp(argv[2], "6") == 0;
    static char buf[65536];
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    }
    int l = socket(ss.ss_family, SOCK_STREAM, 0);
    if (bind(l, (struct sockaddr *)&ss, len) != 0 || listen(l, 1) != 0) return 1;
    getsockname(l, (struct sockaddr *)&ss, &len);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t p = fork();
    if (p == 0) {
        int c = socket(ss.ss_family, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&ss, len) != 0) _exit(1);
        memset(buf, 'x', sizeof buf);
        for (long left = mib << 20; left > 0;) {
            ssize_t w = write(c, buf, left < (long)sizeof buf ? left : (long)sizeof buf);
            if (w <= 0) _exit(1);
            left -= w;
        }
        _exit(0);
    }
    int s = accept(l, NULL, NULL);
    long total = 0;
    ssize_t r;
    while ((r = read(s, buf, sizeof buf)) > 0) total += r;
    waitpid(p, NULL, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (total != mib << 20) { fprintf(stderr, "short transfer\n"); return 1; }
    printf("MiB_per_s %.1f\n", mib / sec);
    return 0;
}

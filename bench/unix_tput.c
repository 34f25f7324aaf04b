/* Moves M MiB (argv[1], default 64) from a child to its parent over an AF_UNIX stream socket
 * bound to a path and connected through it; prints MiB_per_s. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 64;
    static char buf[65536];
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "/tmp/unix_tput.%d.sock", (int)getpid());
    unlink(a.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0) return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t p = fork();
    if (p == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) _exit(1);
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
    unlink(a.sun_path);
    double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (total != mib << 20) { fprintf(stderr, "short transfer\n"); return 1; }
    printf("MiB_per_s %.1f\n", mib / sec);
    return 0;
}

/* TCP over 127.0.0.1: a forked client sends lines, the server echoes them back, both close. */
#include "inet.h"
#include <sys/wait.h>

int main(void)
{
    int l = tcp_listener4(0);
    int port = port_of(l);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int c = tcp_connect4(port);
        if (c < 0) { printf("client: connect failed %s\n", errname(errno)); fflush(stdout); _exit(1); }
        const char *msgs[] = { "hello", "over", "loopback" };
        for (int i = 0; i < 3; i++) {
            char buf[64];
            write(c, msgs[i], strlen(msgs[i]));
            long n = read_full(c, buf, strlen(msgs[i]));
            printf("client got %.*s\n", (int)n, buf);
        }
        shutdown(c, SHUT_WR);
        char b;
        CHECK("client read after server close", read(c, &b, 1));
        close(c);
        fflush(stdout);
        _exit(0);
    }
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int s = accept(l, (struct sockaddr *)&peer, &plen);
    char ab[64];
    printf("accepted: len=%d family=%d addr=%s\n", (int)plen, peer.sin_family, addr_str((struct sockaddr *)&peer, ab, sizeof ab));
    char buf[256];
    long n, total = 0;
    while ((n = read(s, buf, sizeof buf)) > 0) {
        write(s, buf, n);
        total += n;
    }
    printf("server: echoed %ld bytes, last read %ld\n", total, n);
    close(s);
    int st;
    waitpid(pid, &st, 0);
    printf("client exit %d\n", WEXITSTATUS(st));
    close(l);
    return 0;
}

/* A stream server and a forked client over a path: accept's address, names, data both ways, EOF. */
#include "common.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define PATH "/tmp/sock_unix_stream_echo.sock"

int main(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, PATH);
    unlink(PATH);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("bind", bind(l, (struct sockaddr *)&a, sizeof a));
    CHECK("listen", listen(l, 4));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
            _exit(1);
        for (int i = 0; i < 3; i++) {
            char msg[32], back[32];
            int n = snprintf(msg, sizeof msg, "message %d", i);
            write(c, msg, n);
            int got = 0;
            while (got < n) {
                int r = read(c, back + got, n - got);
                if (r <= 0)
                    _exit(2);
                got += r;
            }
            if (memcmp(msg, back, n) != 0)
                _exit(3);
        }
        shutdown(c, SHUT_WR);
        char x;
        _exit(read(c, &x, 1) == 0 ? 0 : 4);
    }
    struct sockaddr_un p;
    memset(&p, 0x55, sizeof p);
    socklen_t pl = sizeof p;
    int s = accept(l, (struct sockaddr *)&p, &pl);
    printf("accept: ok=%d peerlen=%u family=%d\n", s >= 0, pl, p.sun_family);
    struct sockaddr_un n;
    socklen_t nl = sizeof n;
    getsockname(s, (struct sockaddr *)&n, &nl);
    printf("accepted name: len=%u path=%s\n", nl, n.sun_path);
    long total = 0;
    char buf[64];
    int r;
    while ((r = read(s, buf, sizeof buf)) > 0) {
        total += r;
        write(s, buf, r);
    }
    printf("echoed %ld bytes, last read=%d\n", total, r);
    close(s);
    int st;
    waitpid(pid, &st, 0);
    printf("client exit=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    unlink(PATH);
    return 0;
}

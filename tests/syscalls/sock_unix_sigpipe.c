/* Writing to a stream socket whose peer is gone: SIGPIPE kills by default, EPIPE when ignored or MSG_NOSIGNAL. */
#include "common.h"
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

int main(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        write(sv[0], "x", 1);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("default: signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    CHECK("MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
    signal(SIGPIPE, SIG_IGN);
    CHECK("ignored", write(sv[0], "x", 1));
    char b;
    CHECK("read from a closed peer", read(sv[0], &b, 1));
    int d[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, d);
    close(d[1]);
    signal(SIGPIPE, SIG_DFL);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        errno = 0;
        int r = write(d[0], "x", 1);
        printf("seqpacket write: r=%d errno=%s\n", r, errname(errno));
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("seqpacket: signaled=%d\n", WIFSIGNALED(st));
    return 0;
}

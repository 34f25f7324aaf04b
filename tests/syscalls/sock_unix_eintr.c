/* Blocking socket calls and signals: EINTR without SA_RESTART, restart with it, EINTR when a timeout is set. */
#include "common.h"
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

static int hits;
static void onalrm(int s) { (void)s; hits++; }

static void arm(int restart)
{
    struct sigaction sa = {.sa_handler = onalrm, .sa_flags = restart ? SA_RESTART : 0};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
    int sv[2];
    char b[8];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    arm(0);
    CHECK("recv, no SA_RESTART", recv(sv[0], b, sizeof b, 0));
    arm(0);
    CHECK("recvmsg-less read, no SA_RESTART", read(sv[0], b, sizeof b));

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(200000);
        write(sv[1], "late", 4);
        _exit(0);
    }
    arm(1);
    CHECK("recv, SA_RESTART (restarted, then data)", recv(sv[0], b, sizeof b, 0));
    waitpid(pid, NULL, 0);
    printf("handler ran: %d\n", hits);

    struct timeval tv = {5, 0};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    arm(1);
    CHECK("recv with SO_RCVTIMEO, SA_RESTART", recv(sv[0], b, sizeof b, 0));
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECK("recv times out", recv(sv[0], b, sizeof b, 0));

    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path + 1, "sock_unix_eintr");
    socklen_t al = offsetof(struct sockaddr_un, sun_path) + 1 + strlen("sock_unix_eintr");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, al);
    listen(l, 0);
    arm(0);
    CHECK("accept, no SA_RESTART", accept(l, NULL, NULL));
    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECK("accept times out", accept(l, NULL, NULL));
    /* A full backlog: connect blocks until interrupted. */
    int c1 = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c1, (struct sockaddr *)&a, al);
    arm(0);
    CHECK("connect to a full backlog, no SA_RESTART", connect(c2, (struct sockaddr *)&a, al));
    setsockopt(c2, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    CHECK("connect to a full backlog times out", connect(c2, (struct sockaddr *)&a, al));
    printf("handler ran: %d\n", hits);
    return 0;
}

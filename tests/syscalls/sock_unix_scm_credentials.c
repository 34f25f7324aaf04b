/* SO_PASSCRED / SCM_CREDENTIALS and SO_PEERCRED. */
#include "common.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static void recvcreds(const char *what, int s)
{
    char ctl[CMSG_SPACE(sizeof(struct ucred))], data[16] = {0};
    struct iovec iov = {data, sizeof data - 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    ssize_t r = recvmsg(s, &m, 0);
    printf("%s: r=%zd data='%s' flags=%#x", what, r, data, m.msg_flags);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        struct ucred u;
        memcpy(&u, CMSG_DATA(c), sizeof u);
        printf(" [type=%d len=%zu pid=self:%d uid=%d gid=%d]", c->cmsg_type, (size_t)c->cmsg_len, u.pid == getpid(), u.uid == getuid(), u.gid == getgid());
    }
    printf("\n");
}

static int sendcreds(int s, struct ucred u)
{
    char ctl[CMSG_SPACE(sizeof u)];
    struct iovec iov = {"c", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof u);
    memcpy(CMSG_DATA(c), &u, sizeof u);
    return sendmsg(s, &m, 0);
}

int main(void)
{
    int sv[2], one = 1;
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    send(sv[0], "plain", 5, 0);
    recvcreds("without SO_PASSCRED", sv[1]);
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    send(sv[0], "auto", 4, 0);
    recvcreds("with SO_PASSCRED", sv[1]);
    struct ucred me = {getpid(), getuid(), getgid()};
    CHECK("explicit credentials", sendcreds(sv[0], me));
    recvcreds("explicit", sv[1]);
    char small[CMSG_LEN(4)];
    struct iovec iov = {small, 1};
    send(sv[0], "t", 1, 0);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = small, .msg_controllen = sizeof small};
    recvmsg(sv[1], &m, 0);
    printf("short control buffer: flags=%#x controllen=%zu\n", m.msg_flags, (size_t)m.msg_controllen);
    send(sv[0], "u", 1, 0);
    struct msghdr m2 = {.msg_iov = &iov, .msg_iovlen = 1};
    recvmsg(sv[1], &m2, 0);
    printf("no control buffer: flags=%#x\n", m2.msg_flags);

    struct ucred u;
    socklen_t ul = sizeof u;
    CHECK("SO_PEERCRED socketpair", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &u, &ul));
    printf("peercred: len=%u pid=self:%d uid=%d gid=%d\n", ul, u.pid == getpid(), u.uid == getuid(), u.gid == getgid());
    int lone = socket(AF_UNIX, SOCK_STREAM, 0);
    ul = sizeof u;
    getsockopt(lone, SOL_SOCKET, SO_PEERCRED, &u, &ul);
    printf("unconnected peercred: pid=%d uid=%d gid=%d\n", u.pid, (int)u.uid, (int)u.gid);

    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path + 1, "sock_unix_scm_credentials");
    socklen_t al = offsetof(struct sockaddr_un, sun_path) + 1 + strlen("sock_unix_scm_credentials");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, al);
    listen(l, 1);
    ul = sizeof u;
    getsockopt(l, SOL_SOCKET, SO_PEERCRED, &u, &ul);
    printf("listener peercred: pid=self:%d\n", u.pid == getpid());
    int ready[2];
    pipe(ready);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(c, (struct sockaddr *)&a, al);
        struct ucred pc;
        socklen_t pl = sizeof pc;
        getsockopt(c, SOL_SOCKET, SO_PEERCRED, &pc, &pl);
        char r = pc.pid == getppid() ? 'y' : 'n';
        write(c, &r, 1);
        read(c, &r, 1);
        _exit(0);
    }
    int s = accept(l, NULL, NULL);
    ul = sizeof u;
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &u, &ul);
    printf("server sees client: pid=child:%d\n", u.pid == child);
    char r;
    read(s, &r, 1);
    printf("client sees server: %c\n", r);
    write(s, "k", 1);
    waitpid(child, NULL, 0);
    ul = 4;
    memset(&u, 0, sizeof u);
    CHECK("SO_PEERCRED short", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &u, &ul));
    printf("short: len=%u uid set=%d\n", ul, u.uid != 0 || getuid() == 0);
    return 0;
}

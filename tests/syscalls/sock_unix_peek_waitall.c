/* MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT on stream and datagram sockets. */
#include "common.h"
#include <sys/socket.h>
#include <sys/wait.h>

int main(void)
{
    int sv[2];
    char b[32];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    CHECK("MSG_DONTWAIT on empty", recv(sv[1], b, sizeof b, MSG_DONTWAIT));
    write(sv[0], "hello ", 6);
    write(sv[0], "world", 5);
    memset(b, 0, sizeof b);
    ssize_t r = recv(sv[1], b, sizeof b, MSG_PEEK);
    printf("peek all: %zd '%s'\n", r, b);
    memset(b, 0, sizeof b);
    r = recv(sv[1], b, 3, MSG_PEEK);
    printf("peek 3: %zd '%s'\n", r, b);
    memset(b, 0, sizeof b);
    r = recv(sv[1], b, 8, 0);
    printf("read 8: %zd '%s'\n", r, b);
    memset(b, 0, sizeof b);
    r = recv(sv[1], b, sizeof b, MSG_PEEK | MSG_DONTWAIT);
    printf("peek rest: %zd '%s'\n", r, b);
    r = recv(sv[1], b, sizeof b, 0);
    printf("read rest: %zd\n", r);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 4; i++) {
            usleep(20000);
            write(sv[0], "abcd", 4);
        }
        _exit(0);
    }
    memset(b, 0, sizeof b);
    r = recv(sv[1], b, 16, MSG_WAITALL);
    printf("waitall 16: %zd '%s'\n", r, b);
    waitpid(pid, NULL, 0);
    write(sv[0], "xy", 2);
    shutdown(sv[0], SHUT_WR);
    r = recv(sv[1], b, 16, MSG_WAITALL);
    printf("waitall cut by EOF: %zd\n", r);

    int d[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    send(d[0], "one", 3, 0);
    send(d[0], "two", 3, 0);
    memset(b, 0, sizeof b);
    r = recv(d[1], b, sizeof b, MSG_PEEK);
    printf("dgram peek: %zd '%s'\n", r, b);
    memset(b, 0, sizeof b);
    r = recv(d[1], b, sizeof b, MSG_WAITALL);
    printf("dgram waitall: %zd '%s'\n", r, b);
    memset(b, 0, sizeof b);
    r = recv(d[1], b, 2, MSG_PEEK | MSG_TRUNC);
    printf("dgram peek trunc: %zd '%s'\n", r, b);
    r = recv(d[1], b, sizeof b, 0);
    CHECK("dgram MSG_DONTWAIT on empty", recv(d[1], b, sizeof b, MSG_DONTWAIT));
    return 0;
}

/* MSG_PEEK, MSG_WAITALL and MSG_DONTWAIT on TCP, with a writer sending in pieces. */
#include "inet.h"
#include <sys/ioctl.h>
#include <sys/wait.h>

int main(void)
{
    int l = tcp_listener4(0);
    int c = tcp_connect4(port_of(l));
    int s = accept(l, NULL, NULL);
    char b[64];
    CHECK("DONTWAIT nothing", recv(s, b, sizeof b, MSG_DONTWAIT));
    write(c, "hello world", 11);
    usleep(20000);
    long n = recv(s, b, 5, MSG_PEEK);
    printf("peek 5: %ld '%.*s'\n", n, (int)n, b);
    n = recv(s, b, sizeof b, MSG_PEEK);
    printf("peek all: %ld '%.*s'\n", n, (int)n, b);
    CHECK("recv into a bad buffer", recv(s, BAD_PTR, 6, 0));
    n = recv(s, b, 6, 0);
    printf("read 6: %ld '%.*s'\n", n, (int)n, b);
    int avail = -1;
    ioctl(s, FIONREAD, &avail);
    printf("FIONREAD: %d\n", avail);
    n = recv(s, b, sizeof b, 0);
    printf("read rest: %ld '%.*s'\n", n, (int)n, b);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 4; i++) { usleep(20000); write(c, "abcd", 4); }
        _exit(0);
    }
    n = recv(s, b, 16, MSG_WAITALL);
    printf("WAITALL 16: %ld '%.*s'\n", n, (int)n, b);
    waitpid(pid, NULL, 0);
    write(c, "xy", 2);
    shutdown(c, SHUT_WR);
    n = recv(s, b, 16, MSG_WAITALL);
    printf("WAITALL cut by EOF: %ld '%.*s'\n", n, (int)n, b);
    CHECK("at EOF", recv(s, b, 16, MSG_WAITALL));
    CHECK("zero length", recv(c, b, 0, 0));
    CHECK("OOB", recv(c, b, 1, MSG_OOB));
    return 0;
}

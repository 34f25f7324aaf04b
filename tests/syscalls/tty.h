/* Helpers for the terminal tests: reading what a pty produced, which Linux delivers
 * asynchronously (the line discipline runs from a work queue). */
#ifndef SYSCALLS_TTY_H
#define SYSCALLS_TTY_H
#include "common.h"
#include <poll.h>

/* Reads until `want` bytes came or nothing arrives for 300 ms. Returns the count. */
static inline int tty_read_some(int fd, char *buf, int want)
{
    int got = 0;
    while (got < want) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 300) <= 0 || !(p.revents & POLLIN)) break;
        int n = read(fd, buf + got, want - got);
        if (n <= 0) break;
        got += n;
    }
    return got;
}

/* Prints bytes with control characters escaped. */
static inline void tty_show(const char *name, const char *buf, int n)
{
    printf("%s: %d \"", name, n);
    for (int i = 0; i < n; i++) {
        unsigned char c = buf[i];
        if (c == '\n') printf("\\n");
        else if (c == '\r') printf("\\r");
        else if (c == '\b') printf("\\b");
        else if (c < 32 || c == 127) printf("\\x%02x", c);
        else putchar(c);
    }
    printf("\"\n");
}

/* Reads what the other side has for us within 300 ms of quiet and prints it. */
static inline void tty_expect(const char *name, int fd, int want)
{
    char buf[512];
    int n = tty_read_some(fd, buf, want);
    tty_show(name, buf, n);
}

/* Whether anything is readable within 150 ms. */
static inline int tty_quiet(int fd)
{
    struct pollfd p = { fd, POLLIN, 0 };
    return poll(&p, 1, 150) == 0;
}
#endif

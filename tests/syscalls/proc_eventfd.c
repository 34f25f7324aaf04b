/* eventfd: counter semantics, EFD_SEMAPHORE, nonblocking EAGAIN, overflow, poll, across fork. */
#include "proc.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>

int main(void)
{
    int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    printf("eventfd: %s\n", fd >= 0 ? "ok" : errname(errno));
    if (fd < 0)
        return 0;
    uint64_t v;
    CHECK("read", read(fd, &v, 8));
    printf("value %llu\n", (unsigned long long)v);
    CHECK("read empty", read(fd, &v, 8));
    v = 5;
    write(fd, &v, 8);
    v = 7;
    write(fd, &v, 8);
    read(fd, &v, 8);
    printf("sum of writes: %llu\n", (unsigned long long)v);
    CHECK("short read", read(fd, &v, 4));
    CHECK("short write", write(fd, &v, 4));
    v = UINT64_MAX;
    CHECK("write UINT64_MAX", write(fd, &v, 8));
    v = UINT64_MAX - 1;
    CHECK("write max-1", write(fd, &v, 8));
    v = 1;
    CHECK("overflow would block", write(fd, &v, 8));
    read(fd, &v, 8);
    int s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    read(s, &v, 8);
    printf("semaphore read: %llu\n", (unsigned long long)v);
    read(s, &v, 8);
    printf("semaphore read: %llu\n", (unsigned long long)v);
    CHECK("semaphore exhausted", read(s, &v, 8));
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    poll(&p, 1, 0);
    printf("poll empty: IN=%d OUT=%d\n", (p.revents & POLLIN) != 0, (p.revents & POLLOUT) != 0);
    v = 1;
    write(fd, &v, 8);
    poll(&p, 1, 0);
    printf("poll non-zero: IN=%d OUT=%d\n", (p.revents & POLLIN) != 0, (p.revents & POLLOUT) != 0);
    read(fd, &v, 8);
    /* a blocking eventfd shared with a child */
    int b = eventfd(0, 0);
    pid_t c = xfork();
    if (c == 0) {
        msleep(30);
        uint64_t one = 42;
        write(b, &one, 8);
        _exit(0);
    }
    read(b, &v, 8);
    printf("blocking read got %llu from the child\n", (unsigned long long)v);
    waitpid(c, NULL, 0);
    CHECK("eventfd bad flags", eventfd(0, 0x12345));
    return 0;
}

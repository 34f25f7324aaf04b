/* dup(2), dup2(2), dup3(2): lowest-fd allocation, shared offsets, flags, errors. */
#include "common.h"
#include <fcntl.h>

int main(void)
{
    int fd = open("/etc/passwd", O_RDONLY);
    int d = dup(fd);
    TRUE("dup returns next lowest", d == fd + 1);
    char c;
    read(fd, &c, 1);
    read(d, &c, 1);
    printf("shared offset: %ld second byte: %c\n", (long)lseek(fd, 0, SEEK_CUR), c);
    CHECK("dup clears cloexec", (fcntl(fd, F_SETFD, FD_CLOEXEC), fcntl(dup(fd), F_GETFD)));
    TRUE("dup2 same fd returns fd", dup2(fd, fd) == fd);
    TRUE("dup3 same fd EINVAL", dup3(fd, fd, 0) == -1 && errno == EINVAL);
    CHECK("dup2 same fd keeps cloexec", fcntl(fd, F_GETFD));
    CHECK("dup2 to 50", dup2(fd, 50));
    CHECK("dup2 onto open fd 50", dup2(d, 50));
    CHECK("dup3 O_CLOEXEC to 51", dup3(fd, 51, O_CLOEXEC));
    CHECK("F_GETFD 51", fcntl(51, F_GETFD));
    CHECK("dup3 bad flags", dup3(fd, 52, 0x1));
    CHECK("dup3 O_NONBLOCK rejected", dup3(fd, 52, O_NONBLOCK));
    CHECK("dup2 bad oldfd", dup2(1000, 53));
    CHECK("dup2 bad oldfd same", dup2(1000, 1000));
    CHECK("dup2 newfd negative", dup2(fd, -1));
    CHECK("dup2 newfd huge", dup2(fd, 1 << 30));
    CHECK("dup bad", dup(-1));
    CHECK("dup closed", dup(53));
    CHECK("raw dup2 same fd", syscall(SYS_dup2, 50, 50));
    CHECK("raw dup3 same fd", syscall(SYS_dup3, 50, 50, 0));
    int n = open("/dev/null", O_WRONLY);
    fflush(stdout);
    int saved = dup(1);
    dup2(n, 1);
    printf("this line goes to /dev/null\n");
    fflush(stdout);
    dup2(saved, 1);
    printf("stdout restored\n");
    return 0;
}

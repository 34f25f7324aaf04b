/* File descriptions are shared across fork (one offset), descriptors are per process. */
#include "proc.h"
#include <fcntl.h>

int main(void)
{
    int fd = open("/etc/passwd", O_RDONLY);
    int cl = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    pid_t c = xfork();
    if (c == 0) {
        lseek(fd, 10, SEEK_SET);
        char b[5];
        read(fd, b, 5); /* offset 15 */
        close(cl);
        int flags = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, flags | O_NONBLOCK); /* status flags live in the description */
        fcntl(fd, F_SETFD, FD_CLOEXEC);         /* fd flags do not */
        _exit(0);
    }
    waitpid(c, NULL, 0);
    CHECK("offset moved by the child", lseek(fd, 0, SEEK_CUR));
    printf("O_NONBLOCK set by the child visible: %d\n", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    CHECK("FD_CLOEXEC set by the child not visible", fcntl(fd, F_GETFD));
    CHECK("fd closed by the child still open here", fcntl(cl, F_GETFD));
    /* an fd opened in the child does not exist in the parent */
    int p[2];
    pipe(p);
    c = xfork();
    if (c == 0) {
        int n = open("/etc/passwd", O_RDONLY);
        write(p[1], &n, sizeof n);
        _exit(0);
    }
    int childfd;
    read(p[0], &childfd, sizeof childfd);
    waitpid(c, NULL, 0);
    TRUE("the child's new fd number is free here (or reused)", fcntl(childfd, F_GETFD) == -1 || childfd == fd || childfd == cl || childfd <= p[1]);
    /* dup2 in the child does not change the parent's table */
    c = xfork();
    if (c == 0) {
        dup2(fd, 1);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("stdout still ours\n");
    return 0;
}

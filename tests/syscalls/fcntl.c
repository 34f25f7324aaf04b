/* fcntl(2): descriptor flags, status flags, F_DUPFD*, validation. */
#include "common.h"
#include <fcntl.h>

int main(void)
{
    int fd = open("/dev/null", O_RDWR);
    CHECK("F_GETFD", fcntl(fd, F_GETFD));
    CHECK("F_SETFD CLOEXEC", fcntl(fd, F_SETFD, FD_CLOEXEC));
    CHECK("F_GETFD", fcntl(fd, F_GETFD));
    CHECK("F_SETFD 0xff (only bit 0 kept)", fcntl(fd, F_SETFD, 0xff));
    CHECK("F_GETFD", fcntl(fd, F_GETFD));
    CHECK("F_SETFD 0", fcntl(fd, F_SETFD, 0));
    printf("F_GETFL O_RDWR: %#x\n", fcntl(fd, F_GETFL));
    CHECK("F_SETFL NONBLOCK|APPEND", fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND));
    printf("F_GETFL: %#x\n", fcntl(fd, F_GETFL));
    CHECK("F_SETFL tries to change access mode", fcntl(fd, F_SETFL, O_RDONLY));
    printf("F_GETFL: %#x\n", fcntl(fd, F_GETFL));
    CHECK("F_SETFL ignores O_CREAT", fcntl(fd, F_SETFL, O_CREAT | O_NONBLOCK));
    printf("F_GETFL: %#x\n", fcntl(fd, F_GETFL));

    int ro = open("/etc/passwd", O_RDONLY);
    printf("F_GETFL passwd O_RDONLY: %#x\n", fcntl(ro, F_GETFL));
    int cx = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    CHECK("O_CLOEXEC open -> F_GETFD", fcntl(cx, F_GETFD));
    printf("F_GETFL with O_CLOEXEC: %#x\n", fcntl(cx, F_GETFL));
    int dd = open("/etc", O_RDONLY | O_DIRECTORY);
    printf("F_GETFL dir: %#x\n", fcntl(dd, F_GETFL));
    int wo = open("/dev/null", O_WRONLY | O_APPEND);
    printf("F_GETFL wronly append: %#x\n", fcntl(wo, F_GETFL));
    printf("F_GETFL stdout has O_WRONLY: %d\n", (fcntl(1, F_GETFL) & O_ACCMODE) == O_WRONLY);

    CHECK("F_DUPFD 20", fcntl(fd, F_DUPFD, 20));
    CHECK("F_DUPFD 20 again (next free)", fcntl(fd, F_DUPFD, 20));
    CHECK("F_GETFD of dup (cloexec cleared)", fcntl(20, F_GETFD));
    CHECK("F_DUPFD_CLOEXEC 30", fcntl(fd, F_DUPFD_CLOEXEC, 30));
    CHECK("F_GETFD of cloexec dup", fcntl(30, F_GETFD));
    printf("dup shares status flags: %#x\n", fcntl(30, F_GETFL));
    CHECK("F_DUPFD negative", fcntl(fd, F_DUPFD, -1));
    CHECK("F_DUPFD huge", fcntl(fd, F_DUPFD, 1 << 30));
    CHECK("bad cmd", fcntl(fd, 9999));
    CHECK("ebadf", fcntl(1000, F_GETFD));
    CHECK("ebadf F_DUPFD", fcntl(-1, F_DUPFD, 0));
    CHECK("F_GETOWN /dev/null", fcntl(fd, F_GETOWN));
    CHECK("F_GET_SEALS on /dev/null", fcntl(fd, F_GET_SEALS));
    CHECK("F_GETPIPE_SZ on /dev/null", fcntl(fd, F_GETPIPE_SZ));
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK("F_GETLK passwd", fcntl(ro, F_GETLK, &fl));
    printf("F_GETLK l_type unlocked: %d\n", fl.l_type == F_UNLCK);
    CHECK("F_GETLK bad type", fcntl(ro, F_GETLK, &(struct flock){.l_type = 99}));
    CHECK("F_SETLK read lock on O_RDONLY", fcntl(ro, F_SETLK, &(struct flock){.l_type = F_RDLCK}));
    CHECK("F_SETLK write lock on O_RDONLY", fcntl(ro, F_SETLK, &(struct flock){.l_type = F_WRLCK}));
    CHECK("F_SETLK unlock", fcntl(ro, F_SETLK, &(struct flock){.l_type = F_UNLCK}));
    CHECK("F_GETLK efault", fcntl(ro, F_GETLK, BAD_PTR));
    return 0;
}

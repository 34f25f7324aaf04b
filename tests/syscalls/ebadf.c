/* Invalid descriptors: EBADF from every fd-taking call, and wrong access modes. */
#include "common.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

static void all(const char *label, int fd)
{
    char buf[16];
    struct stat st;
    struct iovec iov = {buf, 1};
    printf("-- %s\n", label);
    CHECK("read", read(fd, buf, 1));
    CHECK("write", write(fd, buf, 1));
    CHECK("readv", readv(fd, &iov, 1));
    CHECK("pread", pread(fd, buf, 1, 0));
    CHECK("fstat", fstat(fd, &st));
    CHECK("lseek", lseek(fd, 0, SEEK_SET));
    CHECK("close", close(fd));
    CHECK("fcntl", fcntl(fd, F_GETFL));
    CHECK("dup", dup(fd));
    CHECK("dup2", dup2(fd, 40));
    CHECK("ioctl", ioctl(fd, FIONREAD, buf));
    CHECK("getdents64", syscall(SYS_getdents64, fd, buf, sizeof buf));
    CHECK("fchdir", fchdir(fd));
    CHECK("openat rel", openat(fd, "x", O_RDONLY));
    CHECK("newfstatat rel", syscall(SYS_newfstatat, fd, "x", &st, 0));
    CHECK("mmap", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0));
    CHECK("fsync", fsync(fd));
    CHECK("ftruncate", ftruncate(fd, 0));
    CHECK("fchmod", fchmod(fd, 0644));
}

int main(void)
{
    all("fd -1", -1);
    all("fd 1000", 1000);
    all("fd 0x7fffffff", 0x7fffffff);
    int fd = open("/dev/null", O_RDONLY);
    close(fd);
    all("closed fd", fd);

    printf("-- wrong modes\n");
    char buf[4];
    int ro = open("/dev/null", O_RDONLY);
    int wo = open("/dev/null", O_WRONLY);
    CHECK("write O_RDONLY", write(ro, "x", 1));
    CHECK("read O_WRONLY", read(wo, buf, 1));
    CHECK("read stdout", read(1, buf, 1));
    int p = open("/etc/passwd", O_PATH);
    CHECK("read O_PATH", read(p, buf, 1));
    CHECK("ioctl O_PATH", ioctl(p, FIONREAD, buf));
    CHECK("fchdir O_PATH file", fchdir(p));
    CHECK("ftruncate O_RDONLY", ftruncate(open("/etc/passwd", O_RDONLY), 0));
    return 0;
}

/* /proc/self/fd shows sockets as socket:[INO], with INO the st_ino fstat reports. */
#include "common.h"
#include <sys/socket.h>
#include <sys/stat.h>

int main(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    int fds[3] = {sv[0], sv[1], s};
    for (int i = 0; i < 3; i++) {
        char path[64], link[64] = {0}, want[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
        ssize_t n = readlink(path, link, sizeof link - 1);
        struct stat st;
        fstat(fds[i], &st);
        snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st.st_ino);
        printf("fd %d: readlink ok=%d matches=%d\n", i, n > 0, strcmp(link, want) == 0);
    }
    struct stat a, b;
    fstat(sv[0], &a);
    fstat(sv[1], &b);
    TRUE("two ends, two inodes", a.st_ino != b.st_ino);
    int d = dup(sv[0]);
    struct stat c;
    fstat(d, &c);
    TRUE("dup, same inode", c.st_ino == a.st_ino);
    TRUE("S_ISSOCK", S_ISSOCK(a.st_mode));
    CHECK("lseek", lseek(sv[0], 0, SEEK_SET));
    CHECK("pread", pread(sv[0], (char[1]){0}, 1, 0));
    return 0;
}

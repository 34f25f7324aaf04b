/* The sandbox's device nodes: /dev/null, /dev/zero, /dev/urandom, /dev/random. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void dev(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("%s: errno=%s\n", path, errname(errno));
        return;
    }
    printf("%s: chr=%d rdev=%u,%u perm=%04o\n", path, S_ISCHR(st.st_mode), major(st.st_rdev),
           minor(st.st_rdev), st.st_mode & 07777);
}

int main(void)
{
    dev("/dev/null");
    dev("/dev/zero");
    dev("/dev/urandom");
    dev("/dev/random");
    static char buf[1 << 16];
    int z = open("/dev/zero", O_RDWR);
    memset(buf, 1, sizeof buf);
    CHECK("read 64k zero", read(z, buf, sizeof buf));
    int ok = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        ok &= buf[i] == 0;
    TRUE("all zero", ok);
    CHECK("write zero", write(z, buf, 100));
    CHECK("lseek zero", lseek(z, 12345, SEEK_SET));
    int n = open("/dev/null", O_RDWR | O_APPEND);
    CHECK("write null 64k", write(n, buf, sizeof buf));
    CHECK("read null", read(n, buf, 10));
    int u = open("/dev/urandom", O_RDWR);
    CHECK("read urandom 64k", read(u, buf, sizeof buf));
    CHECK("lseek urandom", lseek(u, 0, SEEK_CUR));
    int r = open("/dev/random", O_RDONLY | O_NONBLOCK);
    CHECK("read random nonblock", read(r, buf, 64));
    CHECK("open /dev/nonexistent", open("/dev/nonexistent-device", O_RDONLY));
    CHECK("open /dev/zero O_DIRECTORY", open("/dev/zero", O_RDONLY | O_DIRECTORY));
    struct stat st;
    CHECK("stat /dev", stat("/dev", &st));
    TRUE("/dev is dir", S_ISDIR(st.st_mode));
    return 0;
}

/* mmap(2) of files and devices: contents, offsets, access-mode checks. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096UL

int main(void)
{
    int fd = open("/etc/passwd", O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    char *p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK_OK("map passwd private", p);
    printf("starts: %.5s\n", p);
    char *buf = malloc(st.st_size);
    pread(fd, buf, st.st_size, 0);
    TRUE("same as read", memcmp(p, buf, st.st_size) == 0);
    TRUE("tail of page zeroed", (st.st_size % PG) == 0 || p[st.st_size] == 0);
    munmap(p, st.st_size);

    char *w = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK_OK("private writable of O_RDONLY", w);
    w[0] = 'X';
    pread(fd, buf, 1, 0);
    TRUE("private write not visible in file", buf[0] == 'r');
    munmap(w, st.st_size);

    CHECK("shared writable of O_RDONLY", (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    CHECK_OK("shared readonly", p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0));
    TRUE("shared contents", p != MAP_FAILED && memcmp(p, buf + 0, 0) == 0 && p[0] == 'r');
    munmap(p, PG);
    CHECK("unaligned offset", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100));
    CHECK("bad fd", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 1000, 0));
    close(fd);

    int n = open("/dev/null", O_WRONLY);
    CHECK("map O_WRONLY fd", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, n, 0));
    close(n);
    int d = open("/etc", O_RDONLY | O_DIRECTORY);
    CHECK("map directory", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, d, 0));
    close(d);
    CHECK("map pipe", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 1, 0));

    int z = open("/dev/zero", O_RDWR);
    char *zp = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
    CHECK_OK("map /dev/zero", zp);
    TRUE("zero contents", zp[0] == 0 && zp[2 * PG - 1] == 0);
    zp[10] = 3;
    TRUE("writable", zp[10] == 3);
    close(z);
    TRUE("mapping survives close", zp[10] == 3);
    munmap(zp, 2 * PG);
    free(buf);
    return 0;
}

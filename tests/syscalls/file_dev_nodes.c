/* /dev/null, /dev/zero, /dev/full and /dev/urandom: reads, writes, sizes, seeks, mmap of
 * /dev/zero, and stat reporting character devices with their numbers. */
#include "files.h"
#include <sys/mman.h>
#include <sys/sysmacros.h>

static void dev(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) { printf("%s: errno=%s\n", path, errname(errno)); return; }
    printf("%s: chr %d %u:%u mode %o size %ld\n", path, S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev), st.st_mode & 0777, (long)st.st_size);
}

int main(void)
{
    dev("/dev/null");
    dev("/dev/zero");
    dev("/dev/full");
    dev("/dev/random");
    dev("/dev/urandom");
    char buf[64];
    memset(buf, 'x', sizeof buf);
    int n = open("/dev/null", O_RDWR);
    CHECK("read /dev/null", read(n, buf, sizeof buf));
    CHECK("write /dev/null", write(n, buf, sizeof buf));
    CHECK("write /dev/null huge count", syscall(SYS_write, n, buf, 1L << 40));
    CHECK("write /dev/null bad buffer", syscall(SYS_write, n, BAD_PTR, 10));
    CHECK("lseek /dev/null", lseek(n, 100, SEEK_SET));
    CHECK("pwrite /dev/null", pwrite(n, buf, 5, 1000));
    close(n);
    int z = open("/dev/zero", O_RDWR);
    CHECK("read /dev/zero", read(z, buf, sizeof buf));
    int zeros = 1;
    for (int i = 0; i < 64; i++) zeros &= buf[i] == 0;
    printf("all zero %d\n", zeros);
    CHECK("write /dev/zero", write(z, "abc", 3));
    CHECK("read /dev/zero bad buffer", syscall(SYS_read, z, BAD_PTR, 10));
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
    TRUE("mmap /dev/zero private", m != MAP_FAILED && m[100] == 0);
    if (m != MAP_FAILED) { m[0] = 1; munmap(m, 8192); }
    m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
    TRUE("mmap /dev/zero shared", m != MAP_FAILED && m[5000] == 0);
    close(z);
    int f = open("/dev/full", O_RDWR);
    CHECK("write /dev/full", write(f, "abc", 3));
    CHECK("read /dev/full", read(f, buf, 8));
    CHECK("write /dev/full 0 bytes", write(f, "", 0));
    close(f);
    int u = open("/dev/urandom", O_RDONLY);
    CHECK("read /dev/urandom 64", read(u, buf, sizeof buf));
    CHECK("write /dev/urandom as root", ({ int w = open("/dev/urandom", O_WRONLY); long r = write(w, "seed", 4); close(w); r; }));
    close(u);
    CHECK("O_DIRECTORY on /dev/null", open("/dev/null", O_RDONLY | O_DIRECTORY));
    CHECK("ftruncate /dev/null", ({ int w = open("/dev/null", O_WRONLY); long r = ftruncate(w, 0); close(w); r; }));
    CHECK("truncate /dev/null by path", truncate("/dev/null", 0));
    CHECK("O_TRUNC on /dev/null", ({ int w = open("/dev/null", O_WRONLY | O_TRUNC); if (w >= 0) close(w); w >= 0 ? 0 : -1; }));
    return 0;
}

/* MAP_SHARED file mappings of in-memory files (/tmp, /dev/shm, memfd) stay coherent with
 * read/write, across fork and between two mappings; truncation and growth through write. */
#include "proc.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

static void check_file(const char *what, int fd)
{
    CHECK("ftruncate 8192", ftruncate(fd, 8192));
    char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *b = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    printf("%s: mapped %d %d\n", what, a != MAP_FAILED, b != MAP_FAILED);
    if (a == MAP_FAILED || b == MAP_FAILED) return;
    memcpy(a, "via-map", 7);
    char buf[16] = {0};
    pread(fd, buf, 7, 0);
    printf("  pread sees the mapping's write: %s\n", buf);
    pwrite(fd, "via-write", 9, 4096);
    printf("  both mappings see pwrite: %.9s %.9s\n", a + 4096, b);
    pid_t c = xfork();
    if (c == 0) {
        memcpy(a + 100, "child", 5);
        _exit(0);
    }
    reap("  child", c);
    printf("  parent sees the child's write: %.5s\n", a + 100);
    CHECK("  msync", msync(a, 8192, MS_SYNC));
    CHECK("  ftruncate 10 (shrink)", ftruncate(fd, 10));
    struct stat st;
    fstat(fd, &st);
    printf("  size %ld\n", (long)st.st_size);
    CHECK("  ftruncate 8192 (grow)", ftruncate(fd, 8192));
    printf("  regrown tail reads zero: %d\n", a[200] == 0 && a[4096] == 0);
    printf("  head kept: %.7s\n", a);
    munmap(a, 8192);
    munmap(b, 4096);
}

int main(void)
{
    char path[] = "/tmp/sbx-mmap-XXXXXX";
    int fd = mkstemp(path);
    check_file("tmp file", fd);
    close(fd);
    unlink(path);

    fd = open("/dev/shm/sbx-mmap-test", O_RDWR | O_CREAT | O_TRUNC, 0600);
    check_file("/dev/shm file", fd);
    close(fd);
    unlink("/dev/shm/sbx-mmap-test");

    fd = memfd_create("sbx-mmap", 0);
    check_file("memfd", fd);

    /* The mapping outlives the fd and the name. */
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    m[0] = 'k';
    printf("mapping after close: %c\n", m[0]);
    return 0;
}

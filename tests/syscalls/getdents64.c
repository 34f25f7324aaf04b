/* getdents64(2): list /etc and /usr sorted, d_type of known entries, rewind, errors. */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static char names[4096][256];
static unsigned char types[4096];
static int count;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static long list(int fd, size_t bufsize)
{
    static char buf[65536];
    count = 0;
    long total = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, bufsize);
        if (n < 0)
            return n;
        if (n == 0)
            return total;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            if (count < 4096) {
                snprintf(names[count], 256, "%s", d->d_name);
                types[count] = d->d_type;
                count++;
            }
            if (d->d_reclen % 8 != 0)
                printf("reclen not 8-aligned: %s\n", d->d_name);
            off += d->d_reclen;
        }
        total++;
    }
}

static unsigned char type_of(const char *name)
{
    for (int i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return types[i];
    return 255;
}

static void print_sorted(const char *label)
{
    static char *ptrs[4096];
    for (int i = 0; i < count; i++)
        ptrs[i] = names[i];
    qsort(ptrs, count, sizeof ptrs[0], cmp);
    printf("%s (%d entries):", label, count);
    for (int i = 0; i < count; i++)
        printf(" %s", ptrs[i]);
    printf("\n");
}

int main(void)
{
    int etc = open("/etc", O_RDONLY | O_DIRECTORY);
    TRUE("list /etc", list(etc, 65536) >= 1);
    print_sorted("/etc");
    printf("d_type: .=%d ..=%d passwd=%d os-release=%d\n", type_of("."), type_of(".."),
           type_of("passwd"), type_of("os-release"));
    int first = count;
    CHECK("at eof", syscall(SYS_getdents64, etc, names, 4096));
    CHECK("rewind", lseek(etc, 0, SEEK_SET));
    list(etc, 65536);
    TRUE("same count after rewind", count == first);
    lseek(etc, 0, SEEK_SET);
    long calls = list(etc, 200);
    TRUE("small buffer: several calls, same count", calls > 1 && count == first);
    lseek(etc, 0, SEEK_SET);
    CHECK("buffer too small for one entry", syscall(SYS_getdents64, etc, names, 10));
    CHECK("buffer 0", syscall(SYS_getdents64, etc, names, 0));
    CHECK("efault", syscall(SYS_getdents64, etc, BAD_PTR, 4096));
    close(etc);

    int root = open("/", O_RDONLY | O_DIRECTORY);
    list(root, 4096);
    printf("/ has usr=%d etc=%d bin(type)=%d\n", type_of("usr") == DT_DIR, type_of("etc") == DT_DIR,
           type_of("bin"));
    close(root);
    int usr = open("/usr", O_RDONLY | O_DIRECTORY);
    list(usr, 4096);
    printf("/usr has bin=%d lib=%d share=%d\n", type_of("bin"), type_of("lib"), type_of("share"));
    close(usr);

    int file = open("/etc/passwd", O_RDONLY);
    CHECK("file", syscall(SYS_getdents64, file, names, 4096));
    close(file);
    CHECK("ebadf", syscall(SYS_getdents64, 1000, names, 4096));
    int opath = open("/etc", O_PATH);
    CHECK("O_PATH dir", syscall(SYS_getdents64, opath, names, 4096));
    close(opath);

    DIR *d = opendir("/usr/bin");
    int sh = 0, n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n++;
        sh |= strcmp(e->d_name, "sh") == 0;
    }
    closedir(d);
    TRUE("readdir /usr/bin finds sh", sh);
    TRUE("readdir /usr/bin many entries", n > 100);
    return 0;
}

/* getdents64: d_type of each kind, "." and ".." present, small buffers (EINVAL when no
 * entry fits), lseek(0)/rewinddir restarting, telldir/seekdir returning to a position,
 * ENOTDIR on a file fd, EBADF, and reading an empty directory to its end. */
#include "files.h"
#include <sys/sysmacros.h>

struct d64 { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; };

static int names_from(int fd, char out[][64], unsigned char *types, int max)
{
    char buf[4096];
    int n = 0;
    long r;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
        for (long off = 0; off < r && n < max;) {
            struct d64 *e = (struct d64 *)(buf + off);
            snprintf(out[n], 64, "%s", e->name);
            types[n++] = e->type;
            off += e->reclen;
        }
    return n;
}

static void sorted(const char *label, char names[][64], unsigned char *types, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char t[64]; strcpy(t, names[i]); strcpy(names[i], names[j]); strcpy(names[j], t);
                unsigned char u = types[i]; types[i] = types[j]; types[j] = u;
            }
    printf("%s:", label);
    for (int i = 0; i < n; i++) printf(" %s(%d)", names[i], types[i]);
    printf("\n");
}

int main(void)
{
    scratch_in("/tmp");
    write_file(P("file"), "x");
    mkdir(P("dir"), 0755);
    symlink("file", P("link"));
    mkfifo(P("fifo"), 0644);
    int fd = open(scratch, O_RDONLY | O_DIRECTORY);
    char names[16][64];
    unsigned char types[16];
    int n = names_from(fd, names, types, 16);
    sorted("entries", names, types, n);
    CHECK("at end", syscall(SYS_getdents64, fd, names, sizeof names));
    CHECK("lseek 0", lseek(fd, 0, SEEK_SET));
    n = names_from(fd, names, types, 16);
    sorted("again", names, types, n);
    lseek(fd, 0, SEEK_SET);
    char tiny[16];
    CHECK("buffer too small", syscall(SYS_getdents64, fd, tiny, sizeof tiny));
    CHECK("bad buffer", syscall(SYS_getdents64, fd, BAD_PTR, 4096));
    close(fd);

    DIR *d = opendir(scratch);
    struct dirent *e;
    int count = 0;
    long pos = -1;
    char at[256] = "";
    while ((e = readdir(d))) {
        if (count == 2) { pos = telldir(d); }
        if (count == 3) snprintf(at, sizeof at, "%s", e->d_name);
        count++;
    }
    printf("readdir count %d\n", count);
    seekdir(d, pos);
    e = readdir(d);
    printf("seekdir back to the 4th entry: %d\n", e && !strcmp(e->d_name, at));
    rewinddir(d);
    count = 0;
    while (readdir(d)) count++;
    printf("after rewinddir count %d\n", count);
    closedir(d);

    fd = open(P("file"), O_RDONLY);
    CHECK("getdents64 on a file", syscall(SYS_getdents64, fd, names, sizeof names));
    close(fd);
    fd = open(P("dir"), O_PATH);
    CHECK("getdents64 on O_PATH", syscall(SYS_getdents64, fd, names, sizeof names));
    close(fd);
    CHECK("getdents64 bad fd", syscall(SYS_getdents64, 999, names, sizeof names));
    fd = open(P("dir"), O_RDONLY | O_DIRECTORY);
    n = names_from(fd, names, types, 16);
    sorted("empty dir", names, types, n);
    close(fd);
    scratch_done();
    return 0;
}

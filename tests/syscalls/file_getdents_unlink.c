/* Directory listing while it changes: entries unlinked after opendir but before reading
 * are not listed twice or invented; an fd on a removed directory reads as empty; a
 * directory of 1000 entries lists each name exactly once. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    mkdir(P("big"), 0755);
    char name[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "big/entry-%04d", i);
        int fd = open(P(name), O_CREAT | O_WRONLY, 0644);
        close(fd);
    }
    DIR *d = opendir(P("big"));
    static char seen[1000];
    int total = 0, dup = 0, bad = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        int k;
        if (sscanf(e->d_name, "entry-%d", &k) != 1 || k < 0 || k >= 1000) { bad++; continue; }
        if (seen[k]++) dup++;
        total++;
    }
    closedir(d);
    printf("1000 entries: listed %d dup %d bad %d\n", total, dup, bad);
    printf("nlink of big %ld\n", nlink_of(P("big")));

    /* Remove every odd entry after the first small getdents64: the evens that stay must
     * each still be listed exactly once. */
    int fd = open(P("big"), O_RDONLY | O_DIRECTORY);
    memset(seen, 0, sizeof seen);
    total = dup = 0;
    int removed = 0;
    char dbuf[512];
    long got;
    while ((got = syscall(SYS_getdents64, fd, dbuf, sizeof dbuf)) > 0) {
        for (long off = 0; off < got;) {
            struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; } *de = (void *)(dbuf + off);
            off += de->reclen;
            int k;
            if (sscanf(de->name, "entry-%d", &k) != 1) continue;
            if (seen[k]++) dup++;
            total++;
        }
        if (!removed) {
            for (int i = 1; i < 1000; i += 2) {
                snprintf(name, sizeof name, "big/entry-%04d", i);
                unlink(P(name));
            }
            removed = 1;
        }
    }
    close(fd);
    int evens = 0;
    for (int i = 0; i < 1000; i += 2) evens += seen[i] ? 1 : 0;
    printf("while unlinking: dup %d evens listed %d at most 1000 %d\n", dup, evens, total <= 1000);

    mkdir(P("gone"), 0755);
    fd = open(P("gone"), O_RDONLY | O_DIRECTORY);
    rmdir(P("gone"));
    char buf[1024];
    CHECK("getdents64 on removed dir", syscall(SYS_getdents64, fd, buf, sizeof buf));
    CHECK("openat in removed dir", openat(fd, "x", O_CREAT | O_WRONLY, 0644));
    close(fd);
    scratch_done();
    return 0;
}

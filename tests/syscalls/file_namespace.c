/* Changing the tree in a writable directory: mkdir/rmdir, link/unlink, symlink, rename and
 * renameat2 (NOREPLACE, EXCHANGE), fifos, O_TMPFILE, and the errors of each. */
#define _GNU_SOURCE
#include "common.h"
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>

static char d[] = "/tmp/sbx-ns-XXXXXX";
static char bufs[4][256];
static int next_buf;

/* The path of NAME in the test directory (four rotating buffers: two per call are safe). */
static const char *P(const char *name)
{
    char *p = bufs[next_buf++ % 4];
    snprintf(p, 256, "%s/%s", d, name);
    return p;
}

static void touch(const char *name, const char *data)
{
    int fd = open(P(name), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (data) write(fd, data, strlen(data));
    close(fd);
}

static void show(const char *name)
{
    char buf[64] = {0};
    int fd = open(P(name), O_RDONLY);
    if (fd < 0) { printf("%s: %s\n", name, errname(errno)); return; }
    read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("%s: \"%s\"\n", name, buf);
}

int main(void)
{
    mkdtemp(d);
    int dfd = open(d, O_RDONLY | O_DIRECTORY);
    CHECK("mkdir", mkdir(P("sub"), 0755));
    CHECK("mkdir existing", mkdir(P("sub"), 0755));
    CHECK("mkdir in missing", mkdir(P("none/x"), 0755));
    touch("a", "alpha");
    touch("b", "beta");
    CHECK("rmdir a file", rmdir(P("a")));
    CHECK("unlink a directory", unlink(P("sub")));
    touch("sub/inner", "in");
    CHECK("rmdir non-empty", rmdir(P("sub")));

    CHECK("link", link(P("a"), P("a2")));
    struct stat st;
    stat(P("a"), &st);
    printf("nlink after link: %lu\n", (unsigned long)st.st_nlink);
    CHECK("link existing target", link(P("a"), P("b")));
    CHECK("link a directory", link(P("sub"), P("sub2")));
    CHECK("unlink one name", unlink(P("a2")));
    stat(P("a"), &st);
    printf("nlink after unlink: %lu\n", (unsigned long)st.st_nlink);

    CHECK("symlink", symlink("a", P("s")));
    show("s");
    CHECK("symlink existing", symlink("x", P("s")));
    char t[64] = {0};
    readlink(P("s"), t, sizeof t - 1);
    printf("readlink: %s\n", t);
    CHECK("dangling symlink", symlink("nowhere", P("dang")));
    show("dang");

    CHECK("rename over a file", rename(P("b"), P("a")));
    show("a");
    show("b");
    touch("b", "beta2");
    CHECK("renameat2 NOREPLACE onto existing", renameat2(dfd, "b", dfd, "a", RENAME_NOREPLACE));
    CHECK("renameat2 EXCHANGE", renameat2(dfd, "a", dfd, "b", RENAME_EXCHANGE));
    show("a");
    show("b");
    CHECK("renameat2 EXCHANGE missing", renameat2(dfd, "a", dfd, "zz", RENAME_EXCHANGE));
    CHECK("renameat2 bad flags", renameat2(dfd, "a", dfd, "b", RENAME_NOREPLACE | RENAME_EXCHANGE));
    CHECK("rename dir over file", rename(P("sub"), P("a")));
    CHECK("rename file over dir", rename(P("a"), P("sub")));
    CHECK("rename dir into itself", rename(P("sub"), P("sub/deeper")));
    CHECK("mkdir empty", mkdir(P("empty"), 0755));
    CHECK("rename dir over empty dir", rename(P("sub"), P("empty")));
    show("empty/inner");
    CHECK("rename missing", rename(P("missing"), P("x")));

    CHECK("mkfifo", mkfifo(P("fifo"), 0600));
    lstat(P("fifo"), &st);
    printf("fifo is a fifo: %d\n", S_ISFIFO(st.st_mode));
    CHECK("mknod regular", mknod(P("reg"), S_IFREG | 0600, 0));
    lstat(P("reg"), &st);
    printf("mknod regular: %d size %ld\n", S_ISREG(st.st_mode), (long)st.st_size);

    int tf = open(d, O_TMPFILE | O_RDWR, 0600);
    if (tf >= 0) {
        write(tf, "anon", 4);
        fstat(tf, &st);
        printf("O_TMPFILE: size %ld nlink %lu\n", (long)st.st_size, (unsigned long)st.st_nlink);
        char fdpath[64];
        snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", tf);
        CHECK("linkat O_TMPFILE into the tree", linkat(AT_FDCWD, fdpath, AT_FDCWD, P("from-tmpfile"), AT_SYMLINK_FOLLOW));
        show("from-tmpfile");
        close(tf);
    } else {
        printf("O_TMPFILE: %s\n", errname(errno));
    }
    CHECK("O_TMPFILE without write", open(d, O_TMPFILE | O_RDONLY, 0600));

    CHECK("unlinkat AT_REMOVEDIR on a file", unlinkat(dfd, "reg", AT_REMOVEDIR));
    CHECK("unlinkat bad flags", unlinkat(dfd, "reg", 0x1));
    /* clean up */
    const char *names[] = {"a", "b", "s", "dang", "fifo", "reg", "from-tmpfile", "empty/inner"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) unlink(P(names[i]));
    rmdir(P("empty"));
    CHECK("rmdir the now-empty tree", rmdir(d));
    return 0;
}

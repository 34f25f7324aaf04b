/* inotify(7): watches on a directory and on a file, the events each change makes (with
 * names, IN_ISDIR and rename cookies), IN_ONESHOT, IN_MASK_ADD/IN_MASK_CREATE, removal with
 * IN_IGNORED, coalescing of identical events, short reads, FIONREAD and poll. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

static int fd, wd_dir, wd_file;
static uint32_t first_cookie;

static const char *who(int wd)
{
    if (wd == wd_dir) return "dir";
    if (wd == wd_file) return "file";
    if (wd == -1) return "-1";
    return "other";
}

static void names(uint32_t m)
{
    static const struct { uint32_t bit; const char *name; } bits[] = {
        { IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
        { IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { IN_OPEN, "OPEN" },
        { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" }, { IN_CREATE, "CREATE" },
        { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" }, { IN_MOVE_SELF, "MOVE_SELF" },
        { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" }, { IN_IGNORED, "IGNORED" },
        { IN_ISDIR, "ISDIR" },
    };
    const char *sep = "";
    for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (m & bits[i].bit) { printf("%s%s", sep, bits[i].name); sep = "|"; }
}

/* Prints every queued event; cookies as "same as the first one" or 0. */
static void drain(const char *step)
{
    char buf[4096] __attribute__((aligned(8)));
    printf("%s:\n", step);
    first_cookie = 0;
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 0) <= 0) break;
        int n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        for (char *q = buf; q < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)q;
            printf("  %s ", who(e->wd));
            names(e->mask);
            if (e->len) printf(" \"%s\" len=%u", e->name, e->len);
            if (e->cookie) {
                if (!first_cookie) first_cookie = e->cookie;
                printf(" cookie=%s", e->cookie == first_cookie ? "C" : "other");
            }
            printf("\n");
            q += sizeof *e + e->len;
        }
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/inotifyXXXXXX";
    mkdtemp(dir);
    chdir(dir);
    CHECK("inotify_init1 bad flags", inotify_init1(0x10));
    fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    TRUE("inotify_init1", fd >= 0);
    TRUE("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
    char b;
    CHECK("read empty", read(fd, &b, 1));
    CHECK("add_watch empty mask", inotify_add_watch(fd, ".", 0));
    CHECK("add_watch missing", inotify_add_watch(fd, "nope", IN_ALL_EVENTS));
    CHECK("add_watch not inotify", inotify_add_watch(0, ".", IN_ALL_EVENTS));
    CHECK("add_watch bad fd", inotify_add_watch(99, ".", IN_ALL_EVENTS));
    CHECK("add_watch bad path", inotify_add_watch(fd, BAD_PTR, IN_ALL_EVENTS));
    wd_dir = inotify_add_watch(fd, ".", IN_ALL_EVENTS);
    TRUE("watch dir", wd_dir > 0);
    TRUE("same wd again", inotify_add_watch(fd, dir, IN_ALL_EVENTS) == wd_dir);
    CHECK("MASK_CREATE existing", inotify_add_watch(fd, ".", IN_ALL_EVENTS | IN_MASK_CREATE));
    CHECK("MASK_ADD|MASK_CREATE", inotify_add_watch(fd, ".", IN_ALL_EVENTS | IN_MASK_CREATE | IN_MASK_ADD));

    int f = open("a", O_CREAT | O_WRONLY, 0644);
    drain("creat");
    wd_file = inotify_add_watch(fd, "a", IN_ALL_EVENTS);
    TRUE("watch file", wd_file > 0 && wd_file != wd_dir);
    CHECK("ONLYDIR on file", inotify_add_watch(fd, "a", IN_ALL_EVENTS | IN_ONLYDIR));
    write(f, "x", 1);
    write(f, "y", 1);
    drain("two writes (coalesced)");
    close(f);
    drain("close after write");
    f = open("a", O_RDONLY);
    read(f, &b, 1);
    close(f);
    drain("open, read, close");
    chmod("a", 0600);
    drain("chmod");
    truncate("a", 0);
    drain("truncate");
    link("a", "b");
    drain("link");
    unlink("b");
    drain("unlink a link");
    rename("a", "c");
    drain("rename");
    mkdir("d", 0755);
    drain("mkdir");
    rename("c", "d/c");
    drain("rename out of the directory");
    int wd_sub = inotify_add_watch(fd, "d", IN_DELETE_SELF | IN_ONESHOT);
    TRUE("watch subdir", wd_sub > 0);
    unlink("d/c");
    drain("unlink in subdir (not watched for it)");
    rmdir("d");
    drain("rmdir (oneshot watch)");
    symlink("target", "s");
    drain("symlink");
    int wd_link = inotify_add_watch(fd, "s", IN_ALL_EVENTS | IN_DONT_FOLLOW);
    TRUE("watch symlink itself", wd_link > 0);
    unlink("s");
    drain("unlink symlink");
    mkfifo("p", 0600);
    drain("mkfifo");
    unlink("p");
    drain("unlink fifo");

    /* FIONREAD and short reads */
    f = open("e", O_CREAT | O_RDWR, 0600);
    int avail = -1;
    ioctl(fd, FIONREAD, &avail);
    printf("fionread: %d\n", avail);
    CHECK("read too small", read(fd, &b, 1));
    drain("after short read");
    close(f);
    drain("close");
    /* watch removal */
    CHECK("rm_watch", inotify_rm_watch(fd, wd_dir));
    CHECK("rm_watch again", inotify_rm_watch(fd, wd_dir));
    drain("rm_watch");
    wd_dir = -100;
    unlink("e");
    drain("after removal");
    chdir("/");
    rmdir(dir);
    close(fd);
    return 0;
}

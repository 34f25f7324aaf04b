/* /proc/self/fd and /dev/fd: the links name the file (relative to the scratch dir here),
 * reopening gives a new description (own offset, new access mode allowed by the inode's
 * permissions), reopening an unlinked file still works, an O_PATH fd can be reopened, a pipe
 * through /proc/self/fd is the same pipe; /proc/self/fdinfo shows pos and flags. */
#include "files.h"

static void link_of(const char *label, int fd)
{
    char p[64], buf[4200];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    long n = readlink(p, buf, sizeof buf - 1);
    if (n < 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    buf[n] = 0;
    size_t s = strlen(scratch);
    printf("%s: %s\n", label, strncmp(buf, scratch, s) == 0 ? buf + s : strncmp(buf, "pipe:", 5) == 0 ? "pipe:[...]" : buf);
}

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "0123456789");
    int fd = open(P("f"), O_RDONLY);
    lseek(fd, 4, SEEK_SET);
    link_of("fd link", fd);
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    int again = open(p, O_RDWR);
    CHECK("reopen read-only fd as O_RDWR", again >= 0 ? 0 : -1);
    CHECK("reopened offset is 0", lseek(again, 0, SEEK_CUR));
    CHECK("write through the reopened fd", write(again, "AB", 2));
    close(again);
    show_file("file", P("f"));
    snprintf(p, sizeof p, "/dev/fd/%d", fd);
    again = open(p, O_RDONLY);
    CHECK("/dev/fd reopen", again >= 0 ? 0 : -1);
    close(again);
    CHECK("unlink", unlink(P("f")));
    link_of("link after unlink", fd);
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    again = open(p, O_RDONLY);
    CHECK("reopen an unlinked file", again >= 0 ? 0 : -1);
    char buf[16] = {0};
    CHECK("read it", read(again, buf, 10));
    printf("content \"%s\"\n", buf);
    close(again);
    close(fd);

    write_file(P("g"), "gg");
    int pfd = open(P("g"), O_PATH);
    snprintf(p, sizeof p, "/proc/self/fd/%d", pfd);
    again = open(p, O_RDONLY);
    CHECK("reopen an O_PATH fd", again >= 0 ? 0 : -1);
    close(again);
    struct stat st;
    CHECK("stat through /proc/self/fd of O_PATH", stat(p, &st));
    close(pfd);

    int pp[2];
    pipe(pp);
    link_of("pipe link", pp[0]);
    snprintf(p, sizeof p, "/proc/self/fd/%d", pp[1]);
    int w = open(p, O_WRONLY);
    CHECK("write into the pipe via /proc/self/fd", write(w, "hi", 2));
    CHECK("read it from the original end", read(pp[0], buf, sizeof buf));
    close(w); close(pp[0]); close(pp[1]);

    fd = open(P("g"), O_RDWR | O_APPEND);
    lseek(fd, 1, SEEK_SET);
    snprintf(p, sizeof p, "/proc/self/fdinfo/%d", fd);
    int info = open(p, O_RDONLY);
    char text[512] = {0};
    read(info, text, sizeof text - 1);
    close(info);
    char *pos = strstr(text, "pos:"), *fl = strstr(text, "flags:");
    long posv = -1; unsigned flv = 0;
    if (pos) sscanf(pos, "pos: %ld", &posv);
    if (fl) sscanf(fl, "flags: %o", &flv);
    printf("fdinfo pos %ld append %d rdwr %d\n", posv, (flv & O_APPEND) != 0, (flv & O_ACCMODE) == O_RDWR);
    close(fd);
    CHECK("/proc/self/fd/999", access("/proc/self/fd/999", F_OK));
    scratch_done();
    return 0;
}

/* EOF only once every write end is closed, in every process. */
#include "proc.h"

int main(void)
{
    int p[2], res[2];
    pipe(p);
    pipe(res);
    pid_t c = xfork();
    if (c == 0) {
        close(p[1]);
        char buf[16];
        int reads = 0;
        ssize_t r;
        size_t total = 0;
        while ((r = read(p[0], buf, sizeof buf)) > 0) {
            reads++;
            total += r;
        }
        char msg[64];
        int n = snprintf(msg, sizeof msg, "child saw EOF (r=%zd) after %zu bytes\n", r, total);
        write_full(res[1], msg, n);
        _exit(0);
    }
    close(p[0]);
    int extra = dup(p[1]);
    pid_t w2 = xfork();
    if (w2 == 0) {
        /* another process holds a write end for a while */
        msleep(60);
        write(p[1], "late", 4);
        _exit(0);
    }
    write(p[1], "abc", 3);
    close(p[1]);
    write(extra, "de", 2);
    close(extra);
    /* the child must still be blocked: w2 holds a writer */
    msleep(20);
    int st;
    CHECK("reader still running", waitpid(c, &st, WNOHANG));
    waitpid(w2, &st, 0);
    char msg[64] = {0};
    read(res[0], msg, sizeof msg - 1);
    fputs(msg, stdout);
    reap("reader", c);
    /* a read end with no writers at all: EOF at once; reading a write end: EBADF */
    int q[2];
    pipe(q);
    close(q[1]);
    char b;
    CHECK("read with no writers", read(q[0], &b, 1));
    CHECK("read from the write end", read(p[1] == -1 ? -1 : q[0] + 100, &b, 1));
    int z[2];
    pipe(z);
    CHECK("read from a write-end fd", read(z[1], &b, 1));
    CHECK("write to a read-end fd", write(z[0], "x", 1));
    return 0;
}

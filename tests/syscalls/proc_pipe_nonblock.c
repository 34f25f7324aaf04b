/* O_NONBLOCK pipes: EAGAIN on empty/full, partial writes above PIPE_BUF, all-or-nothing below. */
#include "proc.h"
#include <fcntl.h>
#include <limits.h>

int main(void)
{
    int p[2];
    CHECK("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK));
    printf("flags nonblock: r=%d w=%d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0, (fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);
    char b[8];
    CHECK("read empty", read(p[0], b, sizeof b));
    int cap = fcntl(p[1], F_GETPIPE_SZ);
    static char big[1 << 20];
    memset(big, 'z', sizeof big);
    long total = 0;
    for (;;) {
        ssize_t w = write(p[1], big, 4096);
        if (w < 0) {
            printf("fill stopped with %s\n", errname(errno));
            break;
        }
        total += w;
    }
    printf("filled with page-sized writes: total == capacity: %s\n", total == cap ? "yes" : "no");
    CHECK("write 1 byte to a full pipe", write(p[1], "x", 1));
    /* free exactly 100 bytes: a 200-byte write (<= PIPE_BUF) must fail whole */
    read(p[0], big, 100);
    CHECK("write 200 (<= PIPE_BUF) into 100 free bytes", write(p[1], big, 200));
    /* free more than a page: a big write is partial */
    read(p[0], big, 8192);
    ssize_t w = write(p[1], big, 3 * PIPE_BUF);
    printf("big write into some free space: partial=%s\n", w > 0 && w < 3 * PIPE_BUF ? "yes" : (w < 0 ? errname(errno) : "full"));
    /* drain */
    long drained = 0;
    ssize_t r;
    while ((r = read(p[0], big, sizeof big)) > 0)
        drained += r;
    printf("drained then %s\n", errname(errno));
    /* toggling O_NONBLOCK with fcntl; the other end is unaffected */
    int q[2];
    pipe(q);
    fcntl(q[0], F_SETFL, O_NONBLOCK);
    CHECK("read after F_SETFL O_NONBLOCK", read(q[0], b, 1));
    printf("write end still blocking: %d\n", (fcntl(q[1], F_GETFL) & O_NONBLOCK) == 0);
    /* a blocking reader in a child wakes when data arrives; nonblocking writer side */
    int s[2];
    pipe(s);
    fcntl(s[1], F_SETFL, O_NONBLOCK);
    pid_t c = xfork();
    if (c == 0) {
        char x[4];
        ssize_t n = read(s[0], x, 4);
        _exit(n == 4 && memcmp(x, "ping", 4) == 0 ? 0 : 1);
    }
    msleep(20);
    write(s[1], "ping", 4);
    reap("blocking reader", c);
    /* EOF beats EAGAIN */
    close(p[1]);
    CHECK("nonblocking read with no writers", read(p[0], b, 1));
    return 0;
}

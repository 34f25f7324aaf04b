/* 8 MiB through a pipe from a child and 8 MiB back, in odd-sized chunks, with checksums. */
#include "proc.h"

#define TOTAL (8u << 20)

static uint32_t gen(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static uint64_t produce(int fd, uint32_t seed)
{
    static unsigned char buf[70001];
    uint64_t sum = 0;
    size_t left = TOTAL, chunk = 1;
    while (left) {
        size_t n = chunk < left ? chunk : left;
        for (size_t i = 0; i < n; i++) {
            buf[i] = (unsigned char)gen(&seed);
            sum = sum * 31 + buf[i];
        }
        write_full(fd, buf, n);
        left -= n;
        chunk = (chunk * 7 + 13) % sizeof buf + 1;
    }
    return sum;
}

static uint64_t consume(int fd, size_t *total)
{
    static unsigned char buf[65536 + 17];
    uint64_t sum = 0;
    *total = 0;
    size_t ask = 3;
    for (;;) {
        ssize_t r = read(fd, buf, ask);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++)
            sum = sum * 31 + buf[i];
        *total += (size_t)r;
        ask = (ask * 5 + 1) % sizeof buf + 1;
    }
    return sum;
}

int main(void)
{
    int down[2], up[2], res[2];
    pipe(down);
    pipe(up);
    pipe(res);
    pid_t c = xfork();
    if (c == 0) {
        close(down[1]);
        close(up[0]);
        uint64_t s1 = produce(up[1], 42);
        close(up[1]);
        size_t got;
        uint64_t s2 = consume(down[0], &got);
        uint64_t r[3] = {s1, s2, got};
        write_full(res[1], r, sizeof r);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    size_t got;
    uint64_t mine = consume(up[0], &got);
    uint64_t sent = produce(down[1], 7);
    close(down[1]);
    uint64_t r[3];
    read_full(res[0], r, sizeof r);
    printf("child->parent: %zu bytes, checksum match: %s\n", got, mine == r[0] ? "yes" : "no");
    printf("parent->child: %zu bytes, checksum match: %s\n", (size_t)r[2], sent == r[1] ? "yes" : "no");
    printf("checksums: %016llx %016llx\n", (unsigned long long)mine, (unsigned long long)sent);
    reap("child", c);
    return 0;
}

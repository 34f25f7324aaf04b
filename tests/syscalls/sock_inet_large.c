/* A 16 MiB transfer over loopback TCP in odd-sized writes, checked with a checksum and the byte count. */
#include "inet.h"
#include <sys/wait.h>

#define TOTAL (16L << 20)

static uint32_t next(uint32_t *x) { *x ^= *x << 13; *x ^= *x >> 17; *x ^= *x << 5; return *x; }

int main(void)
{
    int l = tcp_listener4(0);
    int port = port_of(l);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int c = tcp_connect4(port);
        static unsigned char buf[70000];
        uint32_t x = 12345;
        long sent = 0;
        uint64_t sum = 0;
        while (sent < TOTAL) {
            long n = 1 + next(&x) % sizeof buf;
            if (n > TOTAL - sent) n = TOTAL - sent;
            for (long i = 0; i < n; i++) { buf[i] = (unsigned char)next(&x); sum = sum * 31 + buf[i]; }
            long w = write(c, buf, n);
            if (w != n) { printf("short write %ld of %ld\n", w, n); fflush(stdout); _exit(1); }
            sent += n;
        }
        printf("client sent %ld sum %016llx\n", sent, (unsigned long long)sum);
        fflush(stdout);
        close(c);
        _exit(0);
    }
    int s = accept(l, NULL, NULL);
    int rcv = 1 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    static unsigned char buf[100000];
    long got = 0, n;
    uint64_t sum = 0;
    while ((n = read(s, buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++) sum = sum * 31 + buf[i];
        got += n;
    }
    int st;
    waitpid(pid, &st, 0);
    printf("server got %ld sum %016llx, last read %ld\n", got, (unsigned long long)sum, n);
    printf("client exit %d\n", WEXITSTATUS(st));
    return 0;
}

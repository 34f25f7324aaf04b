/* SO_LINGER on TCP: a timed linger makes close() wait for the peer to take the data (or for the
 * time to run out), a zero linger resets the connection. Times are printed as coarse classes. */
#include "inet.h"
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set_linger(int s, int on, int secs)
{
    struct linger l = { on, secs };
    CHECK("SO_LINGER set", setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l));
    socklen_t len = sizeof l;
    memset(&l, 0, sizeof l);
    getsockopt(s, SOL_SOCKET, SO_LINGER, &l, &len);
    printf("SO_LINGER reads back on=%d secs=%d len=%d\n", l.l_onoff != 0, l.l_linger, (int)len);
}

int main(void)
{
    static char buf[1 << 16];
    memset(buf, 'x', sizeof buf);

    /* 1. The peer reads everything: close returns once it has, well before the linger time. */
    int l = tcp_listener4(0);
    int c = tcp_connect4(port_of(l));
    int s = accept(l, NULL, NULL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(c);
        long total = 0, n;
        while ((n = read(s, buf, sizeof buf)) > 0) total += n;
        _exit(total == 4 * (long)sizeof buf ? 0 : 1);
    }
    close(s);
    set_linger(c, 1, 10);
    for (int i = 0; i < 4; i++) write(c, buf, sizeof buf);
    double t0 = now();
    CHECK("close, peer reading", close(c));
    printf("close took under 5 s: %s\n", now() - t0 < 5 ? "yes" : "no");
    int st;
    waitpid(pid, &st, 0);
    printf("peer got everything: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");

    /* 2. The peer never reads and its window is full: close waits the linger time, then returns 0. */
    c = tcp_connect4(port_of(l));
    s = accept(l, NULL, NULL);
    fcntl(c, F_SETFL, O_NONBLOCK);
    long queued = 0, n;
    while ((n = write(c, buf, sizeof buf)) > 0) queued += n;
    printf("filled the peer's window: %s\n", queued > 0 && errno == EAGAIN ? "yes" : "no");
    fcntl(c, F_SETFL, 0);
    set_linger(c, 1, 1);
    t0 = now();
    CHECK("close, peer not reading", close(c));
    double waited = now() - t0;
    printf("close waited about the linger time: %s\n", waited > 0.7 && waited < 5 ? "yes" : "no");
    close(s);

    /* 3. A zero linger resets: the peer's read fails with ECONNRESET. */
    c = tcp_connect4(port_of(l));
    s = accept(l, NULL, NULL);
    write(c, "abc", 3);
    usleep(20000);
    set_linger(c, 1, 0);
    CHECK("close with zero linger", close(c));
    usleep(50000);
    char b[8];
    n = read(s, b, sizeof b);
    printf("peer read after reset: %ld\n", n);
    n = read(s, b, sizeof b);
    printf("then: %ld %s\n", n, n < 0 ? errname(errno) : "");
    close(s);
    close(l);
    return 0;
}

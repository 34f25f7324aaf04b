/* select/pselect on pipes: readable/writable sets, timeouts (and the updated timeval), EBADF. */
#include "proc.h"
#include <sys/select.h>

static void nop_handler(int s) { (void)s; }

int main(void)
{
    int p[2];
    pipe(p);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = {0, 0};
    int n = select(p[1] + 1, &r, &w, NULL, &tv);
    printf("empty: n=%d readable=%d writable=%d\n", n, FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
    write(p[1], "abc", 3);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 1;
    tv.tv_usec = 0;
    n = select(p[0] + 1, &r, NULL, NULL, &tv);
    printf("data: n=%d readable=%d timeval decreased but not to zero: %d\n", n, FD_ISSET(p[0], &r), tv.tv_sec == 0 || tv.tv_usec > 0);
    char b[3];
    read(p[0], b, 3);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 20000;
    n = select(p[0] + 1, &r, NULL, NULL, &tv);
    printf("timeout: n=%d readable=%d timeval now zero: %d\n", n, FD_ISSET(p[0], &r), tv.tv_sec == 0 && tv.tv_usec == 0);
    FD_ZERO(&r);
    FD_SET(50, &r);
    tv.tv_usec = 0;
    CHECK("select on a closed fd", select(51, &r, NULL, NULL, &tv));
    CHECK("select negative nfds", select(-1, NULL, NULL, NULL, &tv));
    tv.tv_sec = -1;
    CHECK("select negative timeval", select(0, NULL, NULL, NULL, &tv));
    /* pselect with a mask that unblocks a pending signal: EINTR */
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nop_handler;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    sigemptyset(&empty);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = {1, 0};
    CHECK("pselect unblocking a pending signal", pselect(p[0] + 1, &r, NULL, NULL, &ts, &empty));
    /* the writer closing makes the read end readable (EOF) */
    close(p[1]);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    n = select(p[0] + 1, &r, NULL, NULL, &tv);
    printf("after writer close: n=%d readable=%d\n", n, FD_ISSET(p[0], &r));
    return 0;
}

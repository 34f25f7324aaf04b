/* signalfd: blocked signals read as signalfd_siginfo, nonblocking EAGAIN, poll readiness,
 * SIGCHLD from a child, mask update. */
#include "proc.h"
#include <poll.h>
#include <sys/signalfd.h>

int main(void)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGCHLD);
    sigprocmask(SIG_BLOCK, &m, NULL);
    int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
    printf("signalfd: %s\n", fd >= 0 ? "ok" : errname(errno));
    if (fd < 0)
        return 0;
    struct signalfd_siginfo si;
    CHECK("read empty", read(fd, &si, sizeof si));
    struct pollfd p = {fd, POLLIN, 0};
    printf("poll empty: %d\n", poll(&p, 1, 0));
    union sigval v = {.sival_int = 5};
    sigqueue(getpid(), SIGUSR1, v);
    printf("poll pending: %d\n", poll(&p, 1, 0));
    CHECK("read", read(fd, &si, sizeof si));
    printf("ssi_signo=%s ssi_code=%s ssi_pid_self=%d ssi_int=%d\n", signame(si.ssi_signo), sicode(si.ssi_code), si.ssi_pid == (uint32_t)getpid(), si.ssi_int);
    CHECK("short buffer", read(fd, &si, 10));
    pid_t c = xfork();
    if (c == 0)
        _exit(3);
    struct pollfd pb = {fd, POLLIN, 0};
    poll(&pb, 1, 5000);
    CHECK("read SIGCHLD", read(fd, &si, sizeof si));
    printf("ssi_signo=%s code=%s status=%d pid ok=%d\n", signame(si.ssi_signo), cldcode(si.ssi_code), si.ssi_status, si.ssi_pid == (uint32_t)c);
    waitpid(c, NULL, 0);
    /* changing the mask through the same fd */
    sigset_t m2;
    sigemptyset(&m2);
    sigaddset(&m2, SIGUSR2);
    sigaddset(&m, SIGUSR2);
    sigprocmask(SIG_BLOCK, &m, NULL);
    CHECK("update mask", signalfd(fd, &m2, 0) == fd ? 0 : -1);
    raise(SIGUSR1);
    raise(SIGUSR2);
    CHECK("read after mask update", read(fd, &si, sizeof si));
    printf("got %s\n", signame(si.ssi_signo));
    CHECK("read again (SIGUSR1 not in the new mask)", read(fd, &si, sizeof si));
    CHECK("signalfd bad flags", signalfd(-1, &m, 0x4242));
    CHECK("signalfd on a non-signalfd", signalfd(0, &m, 0));
    return 0;
}

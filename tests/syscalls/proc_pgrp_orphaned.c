/* Orphaned process groups (POSIX; credentials(7), setpgid(2)): when a process group with a
 * stopped member loses its last link to a parent in another group of the same session, the
 * group gets SIGHUP then SIGCONT; in an orphaned group SIGTSTP's default stop is discarded.
 * This process is a child subreaper in its own session, so orphans come back to it whatever
 * the host's init is, and it never links anybody's group. */
#include "proc.h"

static int report_fd;
static volatile int got_hup, got_cont;

static void on_hup(int s) { (void)s; got_hup++; }
static void on_cont(int s) { (void)s; got_cont++; }

static void report(const char *fmt, int a, int b)
{
    char buf[128];
    int n = snprintf(buf, sizeof buf, fmt, a, b);
    write_full(report_fd, buf, (size_t)n);
}

/* Stops itself, then tells what woke it, then checks SIGTSTP in the now orphaned group. */
static void stopped_member(const char *who)
{
    signal(SIGHUP, on_hup);
    signal(SIGCONT, on_cont);
    raise(SIGSTOP);
    char fmt[96];
    snprintf(fmt, sizeof fmt, "%s woke: SIGHUP %%d, SIGCONT %%d\n", who);
    report(fmt, got_hup, got_cont);
    raise(SIGTSTP);
    snprintf(fmt, sizeof fmt, "%s still running after SIGTSTP: %%d%%d\n", who);
    report(fmt, 1, 0);
    _exit(0);
}

static void drain(int fd)
{
    char buf[512];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
}

int main(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    setsid();
    int pfd[2];

    /* Case 1: the group's only outside link is its parent, which exits. */
    pipe(pfd);
    report_fd = pfd[1];
    pid_t c = xfork();
    if (c == 0) {
        close(pfd[0]);
        setsid();
        pid_t g = xfork();
        if (g == 0) {
            setpgid(0, 0);
            stopped_member("member of the orphaned group");
        }
        int st;
        waitpid(g, &st, WUNTRACED);
        report("parent saw its child stopped: %d%d\n", WIFSTOPPED(st), 0);
        _exit(0);
    }
    close(pfd[1]);
    reap("session leader", c);
    drain(pfd[0]);
    close(pfd[0]);
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, 0)) > 0) printf("reaped an orphan: %s\n", wstatus(st));

    /* Case 2: the exiting process is the group's link itself (its own group is orphaned). */
    pipe(pfd);
    report_fd = pfd[1];
    c = xfork();
    if (c == 0) {
        close(pfd[0]);
        setsid();
        pid_t m = xfork();
        if (m == 0) {
            setpgid(0, 0);
            pid_t wk = xfork();
            if (wk == 0) stopped_member("worker");
            waitpid(wk, &st, WUNTRACED);
            report("middle saw the worker stopped: %d%d\n", WIFSTOPPED(st), 0);
            _exit(0);
        }
        waitpid(m, &st, 0);
        msleep(200);
        _exit(0);
    }
    close(pfd[1]);
    drain(pfd[0]);
    reap("session leader 2", c);
    while ((w = waitpid(-1, &st, 0)) > 0) printf("reaped an orphan: %s\n", wstatus(st));

    /* Case 3: a stopped group that keeps a link is left alone. */
    pid_t g = xfork();
    if (g == 0) {
        setpgid(0, 0);
        raise(SIGSTOP);
        _exit(3);
    }
    waitpid(g, &st, WUNTRACED);
    printf("linked group member stopped: %s\n", wstatus(st));
    kill(g, SIGCONT);
    reap("linked member", g);
    return 0;
}

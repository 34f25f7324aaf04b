/* Helpers for the proc_* differential tests (processes, signals, pipes).
 * Same rule as common.h: print relations and names, never pids, addresses or timings. */
#ifndef SYSCALLS_PROC_H
#define SYSCALLS_PROC_H

#include "common.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

static inline const char *signame(int s)
{
    static const char *names[] = {
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
    static char buf[32];
    if (s >= 0 && s < (int)(sizeof names / sizeof names[0]))
        return names[s];
    if (s >= SIGRTMIN && s <= SIGRTMAX) {
        snprintf(buf, sizeof buf, "SIGRTMIN+%d", s - SIGRTMIN);
        return buf;
    }
    snprintf(buf, sizeof buf, "SIG#%d", s);
    return buf;
}

/* A wait status in words (no core-dump flag: whether a core is written depends on the host). */
static inline const char *wstatus(int st)
{
    static char buf[64];
    if (WIFEXITED(st))
        snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, sizeof buf, "killed by %s", signame(WTERMSIG(st)));
    else if (WIFSTOPPED(st))
        snprintf(buf, sizeof buf, "stopped by %s", signame(WSTOPSIG(st)));
    else if (WIFCONTINUED(st))
        snprintf(buf, sizeof buf, "continued");
    else
        snprintf(buf, sizeof buf, "status %#x", st);
    return buf;
}

static inline const char *cldcode(int c)
{
    switch (c) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_TRAPPED: return "CLD_TRAPPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "CLD_?";
    }
}

static inline const char *sicode(int c)
{
    static char buf[32];
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TIMER: return "SI_TIMER";
    case SI_MESGQ: return "SI_MESGQ";
    case SI_ASYNCIO: return "SI_ASYNCIO";
    case SI_SIGIO: return "SI_SIGIO";
    case SI_TKILL: return "SI_TKILL";
    default:
        snprintf(buf, sizeof buf, "code %d", c);
        return buf;
    }
}

/* Flush stdio before forking so that buffered output is not duplicated in the child. */
static inline pid_t xfork(void)
{
    fflush(stdout);
    fflush(stderr);
    return fork();
}

/* Wait for one specific child and print its status in words. */
static inline int reap(const char *what, pid_t pid)
{
    int st = 0;
    pid_t r = waitpid(pid, &st, 0);
    if (r != pid)
        printf("%s: waitpid failed errno=%s\n", what, errname(errno));
    else
        printf("%s: %s\n", what, wstatus(st));
    return st;
}

/* A child about to die of a signal: no core file anywhere (the host's core_pattern may write
 * one in the working directory, and writes to the file system are not allowed here). */
static inline void no_core(void)
{
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
    prctl(PR_SET_DUMPABLE, 0);
}

static inline void msleep(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* Read exactly n bytes (or until EOF/error); returns the number read. */
static inline size_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static inline size_t write_full(int fd, const void *buf, size_t n)
{
    size_t put = 0;
    while (put < n) {
        ssize_t r = write(fd, (const char *)buf + put, n - put);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        put += (size_t)r;
    }
    return put;
}

/* One-byte handshakes over a pipe. */
static inline void signal_fd(int fd) { char c = 'x'; write_full(fd, &c, 1); }
static inline int wait_fd(int fd) { char c; return read_full(fd, &c, 1) == 1; }

#endif

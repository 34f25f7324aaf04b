// sysemu_tracer.c - the ptrace platform's floor.
//
// usage: sysemu_tracer [--pin] PROGRAM [ARGS...]
//
//   --pin  bind the tracer and the program to the one CPU the tracer is running on. On a VM,
//          a tracer/tracee pair that the scheduler spreads over two CPUs pays a cross-CPU
//          wake-up (an IPI, i.e. VM exits) twice per syscall; sharing a CPU avoids it.
//
// Runs PROGRAM under the cheapest possible PTRACE_SYSEMU loop:
//
//     PTRACE_SYSEMU -> waitpid -> PTRACE_GETREGS -> emulate -> PTRACE_SETREGS -> repeat
//
// getpid is emulated: it returns the child's pid, which the tracer knows since fork, without
// ever reaching the host kernel (a made-up pid such as 1 would make `kill $$` hit a host
// process). That is the per-syscall round trip the sandbox's ptrace platform has to pay too,
// and bench/getpid measures it. Every other syscall is executed for real on the host so that the program works:
// SYSEMU has already skipped it at the entry stop, so the tracer puts the syscall number back
// into rax, moves rip back over the 2-byte syscall instruction and resumes with PTRACE_SYSCALL
// to the (re-)entry stop and again to the exit stop, then carries on with PTRACE_SYSEMU.
//
// The tracer writes nothing to stdout (the program's own output passes through untouched),
// diagnostics go to stderr, and it exits with the program's exit status (128+N on signal N).
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#define SYSCALL_STOP (SIGTRAP | 0x80) // with PTRACE_O_TRACESYSGOOD

static pid_t child;

static void die(const char *what) {
    fprintf(stderr, "sysemu_tracer: %s: %s\n", what, strerror(errno));
    exit(125);
}

static void xptrace(enum __ptrace_request req, void *addr, void *data, const char *what) {
    if (ptrace(req, child, addr, data) == -1)
        die(what);
}

static int xwait(void) {
    int st;
    while (waitpid(child, &st, __WALL) == -1)
        if (errno != EINTR)
            die("waitpid");
    return st;
}

// The program is gone: leave with its status.
static void finish(int st) {
    if (WIFEXITED(st))
        exit(WEXITSTATUS(st));
    if (WIFSIGNALED(st))
        exit(128 + WTERMSIG(st));
    fprintf(stderr, "sysemu_tracer: unexpected wait status %#x\n", st);
    exit(125);
}

// Resume with `req` until the next syscall stop. Event stops (exec) are passed over; signals
// found at signal-delivery stops are handed back to the program. Returns the wait status.
static int resume_to_syscall_stop(enum __ptrace_request req, int sig) {
    for (;;) {
        xptrace(req, NULL, (void *)(long)sig, req == PTRACE_SYSEMU ? "PTRACE_SYSEMU" : "PTRACE_SYSCALL");
        int st = xwait();
        if (!WIFSTOPPED(st))
            finish(st);
        if (WSTOPSIG(st) == SYSCALL_STOP)
            return st;
        sig = (st >> 16) != 0 ? 0 : WSTOPSIG(st); // PTRACE_EVENT_* stop, or a real signal
    }
}

// At a SYSEMU entry stop for a syscall we don't emulate: really execute it on the host.
static void run_on_host(struct user_regs_struct *regs) {
    regs->rax = regs->orig_rax;
    regs->rip -= 2; // back onto the syscall instruction (0f 05)
    xptrace(PTRACE_SETREGS, NULL, regs, "PTRACE_SETREGS");
    resume_to_syscall_stop(PTRACE_SYSCALL, 0); // entry stop (the host will run it)
    resume_to_syscall_stop(PTRACE_SYSCALL, 0); // exit stop (exit_group never gets here)
}

int main(int argc, char **argv) {
    int argi = 1;
    if (argc > 1 && strcmp(argv[1], "--pin") == 0) {
        argi++;
        int cpu = sched_getcpu();
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu < 0 ? 0 : cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) == -1) // inherited by the child
            die("sched_setaffinity");
    }
    if (argi >= argc) {
        fprintf(stderr, "usage: %s [--pin] PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }
    child = fork();
    if (child == -1)
        die("fork");
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1)
            die("PTRACE_TRACEME");
        raise(SIGSTOP);
        execv(argv[argi], argv + argi);
        fprintf(stderr, "sysemu_tracer: exec %s: %s\n", argv[argi], strerror(errno));
        _exit(127);
    }

    int st = xwait();
    if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
        fprintf(stderr, "sysemu_tracer: child did not stop (status %#x)\n", st);
        finish(st);
    }
    xptrace(PTRACE_SETOPTIONS, NULL,
            (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC),
            "PTRACE_SETOPTIONS");

    struct user_regs_struct regs;
    for (;;) {
        resume_to_syscall_stop(PTRACE_SYSEMU, 0);
        xptrace(PTRACE_GETREGS, NULL, &regs, "PTRACE_GETREGS");
        if (regs.orig_rax == SYS_getpid) {
            regs.rax = (unsigned long long)child; // fixed: known since fork
            xptrace(PTRACE_SETREGS, NULL, &regs, "PTRACE_SETREGS");
        } else {
            run_on_host(&regs);
        }
    }
}

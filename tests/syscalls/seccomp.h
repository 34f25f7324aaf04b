/* Helpers for the seccomp tests: small filters built at run time, and running a step in a child
 * so that its filter (filters can never be removed) and its fate stay its own. */
#ifndef SYSCALLS_SECCOMP_H
#define SYSCALLS_SECCOMP_H

#include "common.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG 0x7ffc0000U
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

static inline long sys_seccomp(unsigned op, unsigned long flags, void *args)
{
    return syscall(SYS_seccomp, op, flags, args);
}

static inline long install(struct sock_filter *f, unsigned short len, unsigned long flags)
{
    struct sock_fprog prog = { .len = len, .filter = f };
    return sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/* A filter answering `ret` for syscall `nr` and allowing everything else. */
static inline long install_for(int nr, unsigned ret)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ret),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    return install(f, 4, 0);
}

/* Runs fn in a child and prints how the child ended. */
static inline void in_child(const char *name, void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        fflush(stdout);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        printf("%s: killed by signal %d\n", name, WTERMSIG(st));
    else
        printf("%s: exit %d\n", name, WEXITSTATUS(st));
}

/* The value of a "Key:\tN" line of /proc/self/status, or -1. */
static inline long status_field(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':') { v = strtol(line + n + 1, NULL, 0); break; }
    fclose(f);
    return v;
}

#endif

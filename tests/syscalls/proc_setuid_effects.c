/* What an identity change does: capabilities follow the uids (capabilities(7)), signals need
 * a matching uid (kill(2)), file access follows fsuid, exec resets saved ids and sets AT_SECURE. */
#include "proc.h"
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <sys/fsuid.h>

static void caps(const char *what)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0) {
        printf("%s: capget errno=%s\n", what, errname(errno));
        return;
    }
    printf("%s: eff=%08x%08x perm=%08x%08x inh=%08x%08x\n", what, d[1].effective, d[0].effective,
           d[1].permitted, d[0].permitted, d[1].inheritable, d[0].inheritable);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        uid_t r, e, s;
        getresuid(&r, &e, &s);
        printf("exec'd: uid=%u/%u/%u secure=%lu\n", r, e, s, getauxval(AT_SECURE));
        caps("exec'd");
        return 0;
    }
    int root = geteuid() == 0;
    printf("running as root: %s\n", root ? "yes" : "no");
    caps("start");

    struct __user_cap_header_struct h = {0x12345678, 0};
    CHECK("capget bad version", syscall(SYS_capget, &h, NULL) == 0 && h.version == _LINUX_CAPABILITY_VERSION_3 ? 0 : -1);
    h.version = 0x12345678;
    struct __user_cap_data_struct d[2];
    CHECK("capget bad version with data", syscall(SYS_capget, &h, d));
    TRUE("  version written back", h.version == _LINUX_CAPABILITY_VERSION_3);
    h.version = _LINUX_CAPABILITY_VERSION_3; h.pid = -5;
    CHECK("capget negative pid", syscall(SYS_capget, &h, d));
    h.pid = 0;
    CHECK("capget bad data", syscall(SYS_capget, &h, BAD_PTR));
    CHECK("capget bad header", syscall(SYS_capget, BAD_PTR, d));
    CHECK("prctl CAPBSET_READ(CAP_KILL)", prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0));
    CHECK("prctl CAPBSET_READ(999)", prctl(PR_CAPBSET_READ, 999, 0, 0, 0));
    CHECK("prctl GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));

    int pfd[2];
    pipe(pfd);
    pid_t p = xfork();
    if (p == 0) {
        CHECK("seteuid(1000)", seteuid(1000));
        caps("euid 1000");
        CHECK("seteuid(0)", seteuid(0));
        caps("euid 0 again");
        CHECK("setfsuid(1000)", setfsuid(1000) >= 0 ? 0 : -1);
        caps("fsuid 1000");
        setfsuid(0);
        CHECK("PR_SET_KEEPCAPS", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
        CHECK("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
        CHECK("setresuid(1000,1000,1000) keepcaps", setresuid(1000, 1000, 1000));
        caps("keepcaps dropped");
        fflush(stdout);
        _exit(0);
    }
    reap("keepcaps child", p);

    p = xfork();
    if (p == 0) {
        CHECK("setresuid(1000,1000,1000)", setresuid(1000, 1000, 1000));
        caps("all uids 1000");
        CHECK("kill(parent, 0)", kill(getppid(), 0));
        CHECK("kill(self, 0)", kill(getpid(), 0));
        CHECK("kill(init-ish 1, 0)", kill(1, 0) == 0 || errno == EPERM ? 0 : -1);
        fflush(stdout);
        signal_fd(pfd[1]);
        pause();
        _exit(0);
    }
    wait_fd(pfd[0]);
    CHECK("parent kill(child, 0)", kill(p, 0));
    kill(p, SIGKILL);
    reap("uid child", p);

    /* fsuid against a file only its owner may read. */
    char path[] = "/tmp/sbx-setuid-XXXXXX";
    int fd = mkstemp(path);
    write(fd, "x", 1);
    close(fd);
    chmod(path, 0600);
    p = xfork();
    if (p == 0) {
        setfsuid(1000);
        CHECK("open 0600 as fsuid 1000", open(path, O_RDONLY) >= 0 ? 0 : -1);
        setfsuid(getuid());
        CHECK("open 0600 as fsuid back", open(path, O_RDONLY) >= 0 ? 0 : -1);
        chmod(path, 0);
        struct __user_cap_header_struct hh = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct dd[2];
        syscall(SYS_capget, &hh, dd);
        dd[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
        CHECK("capset drop DAC", syscall(SYS_capset, &hh, dd));
        CHECK("open mode 0 without DAC caps", open(path, O_RDONLY) >= 0 ? 0 : -1);
        dd[0].permitted |= dd[0].effective | (1u << 31);
        dd[0].effective = 0;
        CHECK("capset raise permitted", syscall(SYS_capset, &hh, dd));
        syscall(SYS_capget, &hh, dd);
        dd[0].effective = dd[0].permitted | 1;
        dd[0].permitted &= ~1u;
        CHECK("capset effective outside permitted", syscall(SYS_capset, &hh, dd));
        hh.pid = 1;
        CHECK("capset other pid", syscall(SYS_capset, &hh, dd));
        fflush(stdout);
        _exit(0);
    }
    reap("fsuid child", p);
    unlink(path);

    p = xfork();
    if (p == 0) {
        setresuid(1000, 0, 0);
        char *args[] = {argv[0], "exec", NULL};
        execv(argv[0], args);
        printf("execv failed: %s\n", errname(errno));
        _exit(1);
    }
    reap("exec child (ruid 1000, euid 0)", p);
    p = xfork();
    if (p == 0) {
        setresuid(0, 1000, 0);
        char *args[] = {argv[0], "exec", NULL};
        execv(argv[0], args);
        printf("execv failed: %s\n", errname(errno));
        _exit(1);
    }
    reap("exec child (ruid 0, euid 1000)", p);
    return 0;
}

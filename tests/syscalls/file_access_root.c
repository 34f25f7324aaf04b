/* access/faccessat/faccessat2 as root: R_OK and W_OK always granted, X_OK only when some
 * execute bit is set (directories always searchable), AT_EACCESS, AT_SYMLINK_NOFOLLOW,
 * bad modes and flags EINVAL; then the same file as an unprivileged user, where only the
 * owner/group/other bits count, and AT_EACCESS picks the effective ids. */
#include "files.h"
#include <grp.h>
#include <sys/wait.h>

static long fa2(const char *p, int mode, int flags) { return syscall(SYS_faccessat2, AT_FDCWD, p, mode, flags); }

int main(void)
{
    scratch_in("/tmp");
    write_file(P("none"), "");
    chmod(P("none"), 0);
    write_file(P("ox"), "");
    chmod(P("ox"), 0001);
    mkdir(P("d0"), 0);
    symlink("none", P("l"));
    CHECK("root R_OK mode 000", access(P("none"), R_OK));
    CHECK("root W_OK mode 000", access(P("none"), W_OK));
    CHECK("root X_OK mode 000", access(P("none"), X_OK));
    CHECK("root X_OK mode 001", access(P("ox"), X_OK));
    CHECK("root X_OK dir mode 000", access(P("d0"), X_OK));
    CHECK("root F_OK", access(P("none"), F_OK));
    CHECK("missing", access(P("zz"), F_OK));
    CHECK("bad mode", access(P("none"), 8));
    CHECK("faccessat AT_EACCESS", faccessat(AT_FDCWD, P("none"), R_OK, AT_EACCESS));
    CHECK("faccessat2 AT_SYMLINK_NOFOLLOW on link", fa2(P("l"), X_OK, AT_SYMLINK_NOFOLLOW));
    CHECK("faccessat2 follow link", fa2(P("l"), X_OK, 0));
    CHECK("faccessat2 bad flag", fa2(P("none"), R_OK, 0x1));
    CHECK("faccessat2 AT_EMPTY_PATH", ({ int fd = open(P("ox"), O_PATH); long r = syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH); close(fd); r; }));
    CHECK("faccessat2 empty path without flag", fa2("", R_OK, 0));
    CHECK("W_OK on read-only mount /proc/self/status?", access("/proc/self/status", W_OK));

    write_file(P("u"), "");
    chown(P("u"), 1000, 2000);
    chmod(P("u"), 0640);
    chmod(scratch, 0755);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        gid_t g = 2000;
        setgroups(1, &g);
        setresgid(3000, 3000, 3000);
        setresuid(1000, 1000, 1000);
        CHECK("owner R_OK", access(P("u"), R_OK));
        CHECK("owner W_OK", access(P("u"), W_OK));
        CHECK("owner X_OK", access(P("u"), X_OK));
        CHECK("other R_OK on mode 000", access(P("none"), R_OK));
        CHECK("other X_OK on mode 001", access(P("ox"), X_OK));
        CHECK("search a mode 000 dir", access(P("d0/x"), F_OK));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    c = fork();
    if (c == 0) {
        /* Real uid 1000, effective uid 0: access() uses the real ids, AT_EACCESS the effective. */
        setresuid(1000, 0, 0);
        CHECK("real-id R_OK mode 000", access(P("none"), R_OK));
        CHECK("AT_EACCESS R_OK mode 000", faccessat(AT_FDCWD, P("none"), R_OK, AT_EACCESS));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    scratch_done();
    return 0;
}

/* openat2(2): RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS,
 * RESOLVE_NO_XDEV, and the struct open_how checks (size, unknown flags, mode without O_CREAT). */
#include "files.h"
#include <linux/openat2.h>

static long oa2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0) { close((int)fd); return 0; }
    return fd;
}

int main(void)
{
    scratch_in("/tmp");
    mkdir(P("d"), 0755);
    mkdir(P("d/sub"), 0755);
    write_file(P("d/sub/f"), "x");
    write_file(P("outside"), "y");
    symlink("sub/f", P("d/rel"));
    symlink("../outside", P("d/up"));
    symlink("/etc/passwd", P("d/abs"));
    int dfd = open(P("d"), O_RDONLY | O_DIRECTORY);

    CHECK("plain sub/f", oa2(dfd, "sub/f", O_RDONLY, 0, 0));
    CHECK("BENEATH sub/f", oa2(dfd, "sub/f", O_RDONLY, 0, RESOLVE_BENEATH));
    CHECK("BENEATH ../outside", oa2(dfd, "../outside", O_RDONLY, 0, RESOLVE_BENEATH));
    CHECK("BENEATH sub/../sub/f", oa2(dfd, "sub/../sub/f", O_RDONLY, 0, RESOLVE_BENEATH));
    CHECK("BENEATH absolute", oa2(dfd, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH));
    CHECK("BENEATH rel link", oa2(dfd, "rel", O_RDONLY, 0, RESOLVE_BENEATH));
    CHECK("BENEATH up link", oa2(dfd, "up", O_RDONLY, 0, RESOLVE_BENEATH));
    CHECK("BENEATH abs link", oa2(dfd, "abs", O_RDONLY, 0, RESOLVE_BENEATH));
    CHECK("NO_SYMLINKS rel link", oa2(dfd, "rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
    CHECK("NO_SYMLINKS rel link O_PATH|O_NOFOLLOW", oa2(dfd, "rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS));
    CHECK("NO_SYMLINKS plain", oa2(dfd, "sub/f", O_RDONLY, 0, RESOLVE_NO_SYMLINKS));
    CHECK("IN_ROOT ../../sub/f", oa2(dfd, "../../sub/f", O_RDONLY, 0, RESOLVE_IN_ROOT));
    CHECK("IN_ROOT /sub/f", oa2(dfd, "/sub/f", O_RDONLY, 0, RESOLVE_IN_ROOT));
    CHECK("IN_ROOT /outside", oa2(dfd, "/outside", O_RDONLY, 0, RESOLVE_IN_ROOT));
    CHECK("IN_ROOT up link (stays inside)", oa2(dfd, "up", O_RDONLY, 0, RESOLVE_IN_ROOT));
    CHECK("NO_MAGICLINKS /proc/self/exe", oa2(AT_FDCWD, "/proc/self/exe", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS));
    CHECK("NO_MAGICLINKS /proc/self/fd/N", ({ char p[64]; snprintf(p, sizeof p, "/proc/self/fd/%d", dfd); oa2(AT_FDCWD, p, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS); }));
    CHECK("plain /proc/self/exe", oa2(AT_FDCWD, "/proc/self/exe", O_RDONLY, 0, 0));
    CHECK("NO_XDEV /proc/self", oa2(AT_FDCWD, "/proc/self", O_RDONLY, 0, RESOLVE_NO_XDEV));
    CHECK("NO_XDEV inside", oa2(dfd, "sub", O_RDONLY, 0, RESOLVE_NO_XDEV));
    CHECK("BENEATH|IN_ROOT", oa2(dfd, "sub", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT));
    CHECK("unknown resolve bit", oa2(dfd, "sub", O_RDONLY, 0, 1 << 20));
    CHECK("unknown flag bit", oa2(dfd, "sub/f", O_RDONLY | (1ULL << 40), 0, 0));
    CHECK("mode without O_CREAT", oa2(dfd, "sub/f", O_RDONLY, 0644, 0));
    CHECK("mode with O_CREAT", oa2(dfd, "new", O_RDWR | O_CREAT, 0644, 0));
    CHECK("mode too large", oa2(dfd, "new2", O_RDWR | O_CREAT, 010000, 0));
    {
        struct open_how how = {.flags = O_RDONLY};
        CHECK("size 0", syscall(SYS_openat2, dfd, "sub/f", &how, 0));
        CHECK("size 8", syscall(SYS_openat2, dfd, "sub/f", &how, 8));
        char big[64] = {0};
        memcpy(big, &how, sizeof how);
        long fd = syscall(SYS_openat2, dfd, "sub/f", big, sizeof big);
        CHECK("size 64 zero tail", fd >= 0 ? 0 : fd);
        if (fd >= 0) close((int)fd);
        big[40] = 1;
        CHECK("size 64 non-zero tail", syscall(SYS_openat2, dfd, "sub/f", big, sizeof big));
        CHECK("bad pointer", syscall(SYS_openat2, dfd, "sub/f", BAD_PTR, sizeof how));
    }
    close(dfd);
    scratch_done();
    return 0;
}

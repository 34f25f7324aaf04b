/* "." and ".." in paths: "/.." is "/", ".." from the root stays at the root, "a/b/../c" is
 * lexical only after b exists (ENOENT if b is missing, ENOTDIR if b is a file), "x/.." through
 * a symlink goes to the link target's parent, "." on a file is ENOTDIR. */
#include "files.h"

static void same(const char *label, const char *a, const char *b)
{
    struct stat x, y;
    if (stat(a, &x) != 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    if (stat(b, &y) != 0) { printf("%s: other errno=%s\n", label, errname(errno)); return; }
    printf("%s: %s\n", label, x.st_ino == y.st_ino && x.st_dev == y.st_dev ? "same" : "different");
}

int main(void)
{
    scratch_in("/tmp");
    mkdir(P("a"), 0755);
    mkdir(P("a/b"), 0755);
    mkdir(P("c"), 0755);
    mkdir(P("c/deep"), 0755);
    write_file(P("f"), "x");
    symlink("c/deep", P("ldeep"));
    same("/.. is /", "/..", "/");
    same("/../../.. is /", "/../../..", "/");
    same("/./. is /", "/./.", "/");
    same("a/b/.. is a", P("a/b/.."), P("a"));
    same("a/missing/.. ", P("a/missing/.."), P("a"));
    same("f/.. ", P("f/.."), scratch);
    same("f/. ", P("f/."), P("f"));
    same("ldeep/.. is c (physical)", P("ldeep/.."), P("c"));
    same("a/./b/./. is a/b", P("a/./b/./."), P("a/b"));
    same("/tmp/.. is /", "/tmp/..", "/");
    same("/proc/.. is /", "/proc/..", "/");
    same("/dev/shm/../.. is /", "/dev/shm/../..", "/");
    chdir("/");
    same("relative .. at / is /", "..", "/");
    chdir(P("a/b"));
    same("../../a from a/b", "../../a", P("a"));
    chdir("/");
    CHECK("mkdir a/b/../new", mkdir(P("a/b/../new"), 0755));
    CHECK("a/new exists", access(P("a/new"), F_OK));
    CHECK("rmdir a/new/..", rmdir(P("a/new/..")));
    CHECK("rmdir a/new/.", rmdir(P("a/new/.")));
    scratch_done();
    return 0;
}

/* rmdir(2): ENOTEMPTY, ENOTDIR, "." EINVAL, ".." ENOTEMPTY, "/" EBUSY, trailing slash,
 * symlink to a directory ENOTDIR, and unlinkat(AT_REMOVEDIR) agreeing. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    mkdir(P("d"), 0755);
    write_file(P("d/f"), "");
    mkdir(P("e"), 0755);
    symlink("e", P("le"));
    write_file(P("f"), "");
    CHECK("rmdir non-empty", rmdir(P("d")));
    CHECK("rmdir file", rmdir(P("f")));
    CHECK("rmdir missing", rmdir(P("missing")));
    CHECK("rmdir symlink to dir", rmdir(P("le")));
    CHECK("rmdir symlink to dir with slash", rmdir(P("le/")));
    CHECK("rmdir d/.", rmdir(P("d/.")));
    CHECK("rmdir d/..", rmdir(P("d/..")));
    CHECK("rmdir /", rmdir("/"));
    CHECK("rmdir .", ({ chdir(P("e")); int r = rmdir("."); chdir("/"); r; }));
    CHECK("rmdir /proc (mount point)", rmdir("/proc"));
    CHECK("rmdir e/ (trailing slash)", rmdir(P("e/")));
    CHECK("rmdir e again", rmdir(P("e")));
    CHECK("unlinkat AT_REMOVEDIR non-empty", unlinkat(AT_FDCWD, P("d"), AT_REMOVEDIR));
    CHECK("unlinkat AT_REMOVEDIR on file", unlinkat(AT_FDCWD, P("f"), AT_REMOVEDIR));
    unlink(P("d/f"));
    CHECK("unlinkat AT_REMOVEDIR emptied", unlinkat(AT_FDCWD, P("d"), AT_REMOVEDIR));
    CHECK("rmdir file/x", rmdir(P("f/x")));
    list_dir("left", scratch);
    scratch_done();
    return 0;
}

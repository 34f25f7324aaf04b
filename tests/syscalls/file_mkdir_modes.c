/* mkdir/mkdirat: the mode through the umask, sticky/setgid bits, EEXIST on every kind of
 * existing name, ENOENT for a missing parent, ENOTDIR for a file parent, and nlink. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    umask(022);
    CHECK("mkdir 0777", mkdir(P("a"), 0777));
    show_mode("a", P("a"));
    umask(077);
    CHECK("mkdir 0777 under umask 077", mkdir(P("b"), 0777));
    show_mode("b", P("b"));
    umask(0);
    CHECK("mkdir 01777", mkdir(P("c"), 01777));
    show_mode("c", P("c"));
    CHECK("mkdir 0", mkdir(P("z"), 0));
    show_mode("z", P("z"));
    CHECK("mkdir 07777", mkdir(P("e"), 07777));
    show_mode("e (setuid dropped)", P("e"));
    CHECK("mkdir in setgid dir", mkdir(P("e/sub"), 0755));
    show_mode("e/sub (inherits setgid)", P("e/sub"));
    umask(022);
    write_file(P("f"), "");
    symlink("nowhere", P("dangling"));
    CHECK("mkdir existing dir", mkdir(P("a"), 0755));
    CHECK("mkdir existing file", mkdir(P("f"), 0755));
    CHECK("mkdir dangling symlink", mkdir(P("dangling"), 0755));
    CHECK("mkdir missing parent", mkdir(P("no/x"), 0755));
    CHECK("mkdir file parent", mkdir(P("f/x"), 0755));
    CHECK("mkdir trailing slash", mkdir(P("t/"), 0755));
    CHECK("mkdir trailing slashes", mkdir(P("u//"), 0755));
    CHECK("mkdir dot", mkdir(P("a/."), 0755));
    CHECK("mkdir dotdot", mkdir(P("a/.."), 0755));
    CHECK("mkdir empty", mkdir("", 0755));
    CHECK("mkdir /", mkdir("/", 0755));
    printf("nlink a before %ld\n", nlink_of(P("a")));
    mkdir(P("a/1"), 0755);
    mkdir(P("a/2"), 0755);
    write_file(P("a/file"), "");
    printf("nlink a after 2 subdirs + 1 file %ld\n", nlink_of(P("a")));
    rmdir(P("a/1"));
    printf("nlink a after rmdir %ld\n", nlink_of(P("a")));
    CHECK("mkdir bad pointer", mkdir(BAD_PTR, 0755));
    list_dir("scratch", scratch);
    scratch_done();
    return 0;
}

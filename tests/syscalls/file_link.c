/* link/linkat: nlink counts, EEXIST, EPERM on directories, ENOENT for a missing source,
 * symlinks linked as themselves unless AT_SYMLINK_FOLLOW, EXDEV across mounts. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "data");
    mkdir(P("d"), 0755);
    symlink("f", P("l"));
    symlink("nowhere", P("dangling"));
    CHECK("link", link(P("f"), P("g")));
    printf("nlink %ld same inode %d\n", nlink_of(P("f")), same_inode(P("f"), P("g")));
    CHECK("link onto existing", link(P("f"), P("g")));
    CHECK("link a directory", link(P("d"), P("d2")));
    CHECK("link missing", link(P("zz"), P("z2")));
    CHECK("link into missing dir", link(P("f"), P("no/x")));
    CHECK("link with trailing slash on new", link(P("f"), P("h/")));
    CHECK("link file/ as source", link(P("f/"), P("h")));
    CHECK("linkat symlink (no follow)", linkat(AT_FDCWD, P("l"), AT_FDCWD, P("l2"), 0));
    show_mode("l2", P("l2"));
    CHECK("linkat AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, P("l"), AT_FDCWD, P("l3"), AT_SYMLINK_FOLLOW));
    show_mode("l3", P("l3"));
    printf("l3 is f: %d, nlink f %ld\n", same_inode(P("l3"), P("f")), nlink_of(P("f")));
    CHECK("link dangling symlink", link(P("dangling"), P("dang2")));
    CHECK("linkat dangling AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, P("dangling"), AT_FDCWD, P("dang3"), AT_SYMLINK_FOLLOW));
    CHECK("link across filesystems", link(P("f"), "/dev/shm/sbx-link-x"));
    CHECK("link /proc file", link("/proc/self/status", P("st")));
    unlink(P("g"));
    unlink(P("l3"));
    printf("nlink after unlinks %ld\n", nlink_of(P("f")));
    list_dir("scratch", scratch);
    scratch_done();
    return 0;
}

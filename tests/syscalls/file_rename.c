/* rename(2): files over files, directories over empty/non-empty directories, a directory
 * into its own subdirectory (EINVAL), type mismatches (EISDIR/ENOTDIR), renaming onto
 * itself or onto another hard link of the same inode (a no-op), "." and "..". */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    write_file(P("a"), "A");
    write_file(P("b"), "B");
    mkdir(P("d"), 0755);
    mkdir(P("e"), 0755);
    mkdir(P("full"), 0755);
    write_file(P("full/x"), "");
    mkdir(P("d/sub"), 0755);

    CHECK("file over file", rename(P("a"), P("b")));
    show_file("b", P("b"));
    CHECK("old name gone", access(P("a"), F_OK));
    CHECK("file onto itself", rename(P("b"), P("b")));
    link(P("b"), P("b2"));
    CHECK("hard link onto its twin", rename(P("b"), P("b2")));
    printf("both names stay: %d %d nlink %ld\n", access(P("b"), F_OK) == 0, access(P("b2"), F_OK) == 0, nlink_of(P("b")));
    CHECK("dir over empty dir", rename(P("e"), P("d/sub")));
    list_dir("d", P("d"));
    CHECK("dir over non-empty dir", rename(P("d"), P("full")));
    CHECK("dir into own subdir", rename(P("d"), P("d/sub/x")));
    CHECK("dir onto own subdir", rename(P("d"), P("d/sub")));
    CHECK("dir over file", rename(P("d"), P("b")));
    CHECK("file over dir", rename(P("b"), P("d")));
    CHECK("missing source", rename(P("zz"), P("yy")));
    CHECK("missing target dir", rename(P("b"), P("no/where")));
    CHECK("source .", rename(P("d/."), P("q")));
    CHECK("source ..", rename(P("d/.."), P("q")));
    CHECK("target .", rename(P("b"), P("d/.")));
    CHECK("file with trailing slash", rename(P("b/"), P("c")));
    CHECK("dir with trailing slash", rename(P("d/"), P("d2/")));
    CHECK("file to name with trailing slash", rename(P("b2"), P("c/")));
    mkdir(P("d2/n"), 0755);
    printf("nlink d2 %ld full %ld\n", nlink_of(P("d2")), nlink_of(P("full")));
    CHECK("dir across parents", rename(P("d2/n"), P("full/n")));
    printf("nlink d2 %ld full %ld\n", nlink_of(P("d2")), nlink_of(P("full")));
    symlink("b", P("l"));
    CHECK("rename a symlink", rename(P("l"), P("l2")));
    show_mode("l2", P("l2"));
    CHECK("rename /", rename("/", P("root")));
    CHECK("rename across filesystems", rename(P("b"), "/dev/shm/sbx-rename-x"));
    list_dir("scratch", scratch);
    scratch_done();
    return 0;
}

/* Trailing slashes: "file/" is ENOTDIR for stat/open/unlink/rename/link, "dir/" works,
 * "symlink-to-dir/" follows the link even for lstat and O_NOFOLLOW, "symlink-to-file/" is
 * ENOTDIR, creat/mkdir/symlink with a trailing slash on a new name. */
#include "files.h"

static void st(const char *label, const char *path, int follow)
{
    struct stat s;
    int r = follow ? stat(path, &s) : lstat(path, &s);
    if (r != 0) printf("%s: errno=%s\n", label, errname(errno));
    else printf("%s: %s\n", label, S_ISDIR(s.st_mode) ? "dir" : S_ISLNK(s.st_mode) ? "link" : S_ISREG(s.st_mode) ? "file" : "other");
}

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "x");
    mkdir(P("d"), 0755);
    symlink("d", P("ld"));
    symlink("f", P("lf"));
    symlink("nothing", P("ln"));
    st("stat f/", P("f/"), 1);
    st("stat d/", P("d/"), 1);
    st("stat d//", P("d//"), 1);
    st("lstat ld", P("ld"), 0);
    st("lstat ld/", P("ld/"), 0);
    st("lstat lf/", P("lf/"), 0);
    st("lstat ln/", P("ln/"), 0);
    CHECK("open ld/ O_NOFOLLOW", ({ int fd = open(P("ld/"), O_RDONLY | O_NOFOLLOW); if (fd >= 0) close(fd); fd >= 0 ? 0 : -1; }));
    CHECK("open lf/ ", open(P("lf/"), O_RDONLY));
    CHECK("creat new/", open(P("new/"), O_CREAT | O_WRONLY, 0644));
    CHECK("creat f/", open(P("f/"), O_CREAT | O_WRONLY, 0644));
    CHECK("creat d/", open(P("d/"), O_CREAT | O_RDONLY, 0644));
    CHECK("mkdir new2/", mkdir(P("new2/"), 0755));
    CHECK("symlink at new3/", symlink("f", P("new3/")));
    CHECK("mknod fifo at new4/", mknod(P("new4/"), S_IFIFO | 0644, 0));
    CHECK("link f to new5/", link(P("f"), P("new5/")));
    CHECK("link d/ (dir) to new6", link(P("d/"), P("new6")));
    CHECK("rename f/ to g", rename(P("f/"), P("g")));
    CHECK("rename f to g/", rename(P("f"), P("g/")));
    CHECK("rename d/ to e/", rename(P("d/"), P("e/")));
    CHECK("rename ld/ to m (the link is renamed?)", rename(P("ld/"), P("m")));
    CHECK("unlink lf/", unlink(P("lf/")));
    CHECK("rmdir ld/", rmdir(P("ld/")));
    CHECK("chmod f/", chmod(P("f/"), 0600));
    CHECK("truncate f/", truncate(P("f/"), 0));
    CHECK("access f/", access(P("f/"), F_OK));
    CHECK("access e/", access(P("e/"), F_OK));
    list_dir("scratch", scratch);
    scratch_done();
    return 0;
}

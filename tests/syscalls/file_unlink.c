/* unlink/unlinkat: EISDIR on directories, ENOTDIR with a trailing slash on a file, symlinks
 * removed (not their targets), an open file stays readable after unlink, nlink drops. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    mkdir(P("d"), 0755);
    write_file(P("f"), "data");
    link(P("f"), P("h"));
    symlink("f", P("l"));
    symlink("d", P("ld"));
    CHECK("unlink dir", unlink(P("d")));
    CHECK("unlinkat dir without flag", unlinkat(AT_FDCWD, P("d"), 0));
    CHECK("unlink file with slash", unlink(P("f/")));
    CHECK("unlink missing", unlink(P("missing")));
    CHECK("unlink missing/x", unlink(P("missing/x")));
    CHECK("unlink f/x", unlink(P("f/x")));
    CHECK("unlink symlink to dir with slash", unlink(P("ld/")));
    CHECK("unlink symlink to dir", unlink(P("ld")));
    CHECK("unlink symlink", unlink(P("l")));
    printf("target still there: %ld bytes\n", file_size(P("f")));
    printf("nlink before %ld\n", nlink_of(P("f")));
    int fd = open(P("f"), O_RDWR);
    CHECK("unlink hard link", unlink(P("h")));
    printf("nlink after %ld\n", nlink_of(P("f")));
    CHECK("unlink last name of an open file", unlink(P("f")));
    struct stat st;
    fstat(fd, &st);
    printf("fstat nlink %ld size %ld\n", (long)st.st_nlink, (long)st.st_size);
    char buf[8] = {0};
    CHECK("pread unlinked", pread(fd, buf, sizeof buf - 1, 0));
    printf("read \"%s\"\n", buf);
    CHECK("write unlinked", write(fd, "more", 4));
    close(fd);
    CHECK("unlink dot", unlink(P(".")));
    CHECK("unlink dotdot", unlink(P("d/..")));
    CHECK("unlink /", unlink("/"));
    CHECK("unlink empty", unlink(""));
    list_dir("left", scratch);
    scratch_done();
    return 0;
}

/* renameat2(2): RENAME_NOREPLACE (EEXIST, or a plain rename), RENAME_EXCHANGE of files,
 * directories and a file with a directory (nlink follows), invalid flag combinations. */
#include "files.h"
#include <linux/fs.h>

static long r2(const char *a, const char *b, unsigned flags) { return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags); }

int main(void)
{
    scratch_in("/tmp");
    write_file(P("a"), "A");
    write_file(P("b"), "B");
    mkdir(P("d"), 0755);
    mkdir(P("d/in"), 0755);
    mkdir(P("e"), 0755);

    CHECK("NOREPLACE onto existing", r2(P("a"), P("b"), RENAME_NOREPLACE));
    CHECK("NOREPLACE onto new", r2(P("a"), P("c"), RENAME_NOREPLACE));
    CHECK("EXCHANGE files", r2(P("b"), P("c"), RENAME_EXCHANGE));
    show_file("b", P("b"));
    show_file("c", P("c"));
    CHECK("EXCHANGE with missing", r2(P("b"), P("zz"), RENAME_EXCHANGE));
    CHECK("EXCHANGE|NOREPLACE", r2(P("b"), P("c"), RENAME_EXCHANGE | RENAME_NOREPLACE));
    CHECK("unknown flag", r2(P("b"), P("c"), 1u << 8));
    printf("nlink d %ld e %ld scratch %ld\n", nlink_of(P("d")), nlink_of(P("e")), nlink_of(scratch));
    CHECK("EXCHANGE file and dir", r2(P("b"), P("d"), RENAME_EXCHANGE));
    show_mode("b", P("b"));
    show_mode("d", P("d"));
    list_dir("b", P("b"));
    CHECK("EXCHANGE dir with its own child", r2(P("b"), P("b/in"), RENAME_EXCHANGE));
    CHECK("EXCHANGE across dirs", r2(P("d"), P("e/new"), RENAME_EXCHANGE));
    write_file(P("e/x"), "X");
    CHECK("EXCHANGE file across dirs", r2(P("d"), P("e/x"), RENAME_EXCHANGE));
    show_file("d", P("d"));
    show_file("e/x", P("e/x"));
    CHECK("EXCHANGE dir across dirs", r2(P("b/in"), P("e/x"), RENAME_EXCHANGE));
    printf("nlink b %ld e %ld\n", nlink_of(P("b")), nlink_of(P("e")));
    show_mode("e/x", P("e/x"));
    CHECK("EXCHANGE same name", r2(P("c"), P("c"), RENAME_EXCHANGE));
    CHECK("NOREPLACE onto itself", r2(P("c"), P("c"), RENAME_NOREPLACE));
    list_dir("scratch", scratch);
    scratch_done();
    return 0;
}

/* Symlink resolution limits: a chain of 40 links resolves, 41 gives ELOOP; a self loop and
 * a two-link cycle give ELOOP; O_NOFOLLOW on a link gives ELOOP; links in the middle of a
 * path are always followed; ENAMETOOLONG is not confused with ELOOP. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    write_file(P("target"), "end");
    char name[32], next[32];
    /* l0 -> target, l1 -> l0, ..., l40 -> l39 */
    for (int i = 0; i <= 40; i++) {
        snprintf(name, sizeof name, "l%d", i);
        if (i == 0) strcpy(next, "target"); else snprintf(next, sizeof next, "l%d", i - 1);
        symlink(next, P(name));
    }
    show_file("chain of 40 (l39)", P("l39"));
    show_file("chain of 41 (l40)", P("l40"));
    symlink("self", P("self"));
    show_file("self loop", P("self"));
    symlink("b", P("a"));
    symlink("a", P("b"));
    show_file("two-link cycle", P("a"));
    CHECK("stat on cycle", ({ struct stat st; stat(P("a"), &st); }));
    CHECK("lstat on cycle", ({ struct stat st; lstat(P("a"), &st); }));
    CHECK("O_NOFOLLOW on link", open(P("l0"), O_RDONLY | O_NOFOLLOW));
    CHECK("O_NOFOLLOW on loop", open(P("self"), O_RDONLY | O_NOFOLLOW));
    mkdir(P("dir"), 0755);
    write_file(P("dir/in"), "inside");
    symlink("dir", P("ldir"));
    show_file("link in middle", P("ldir/in"));
    CHECK("O_NOFOLLOW middle link", ({ int fd = open(P("ldir/in"), O_RDONLY | O_NOFOLLOW); if (fd >= 0) close(fd); fd >= 0 ? 0 : -1; }));
    CHECK("self/x", access(P("self/x"), F_OK));
    CHECK("mkdir through loop", mkdir(P("self/x"), 0755));
    CHECK("creat over self loop", open(P("self"), O_CREAT | O_WRONLY, 0644));
    CHECK("unlink loop (no follow)", unlink(P("self")));
    scratch_done();
    return 0;
}

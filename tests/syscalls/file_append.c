/* O_APPEND: every write goes to the current end even when another description moved it, the
 * offset ends at the new EOF, lseek is allowed but does not change where writes go, reads use
 * the offset, and clearing O_APPEND with F_SETFL writes at the offset again. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    int a = open(P("f"), O_RDWR | O_CREAT | O_APPEND, 0644);
    int b = open(P("f"), O_RDWR);
    CHECK("a write", write(a, "AAAA", 4));
    CHECK("b write at 0", write(b, "bb", 2));
    CHECK("a write again", write(a, "CC", 2));
    CHECK("a offset", lseek(a, 0, SEEK_CUR));
    show_file("f", P("f"));
    CHECK("b write (b's offset 2)", write(b, "dd", 2));
    show_file("f", P("f"));
    CHECK("a lseek 1", lseek(a, 1, SEEK_SET));
    char buf[4] = {0};
    CHECK("a read 2 at offset 1", read(a, buf, 2));
    printf("read \"%s\"\n", buf);
    CHECK("a write after lseek", write(a, "E", 1));
    CHECK("a offset after write", lseek(a, 0, SEEK_CUR));
    show_file("f", P("f"));
    CHECK("F_SETFL clears O_APPEND", fcntl(a, F_SETFL, 0));
    lseek(a, 0, SEEK_SET);
    CHECK("a write at 0", write(a, "Z", 1));
    show_file("f", P("f"));
    CHECK("F_SETFL sets O_APPEND on b", fcntl(b, F_SETFL, O_APPEND));
    lseek(b, 0, SEEK_SET);
    CHECK("b now appends", write(b, "Y", 1));
    show_file("f", P("f"));
    close(a);
    close(b);
    scratch_done();
    return 0;
}

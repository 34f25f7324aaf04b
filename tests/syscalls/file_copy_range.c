/* copy_file_range and sendfile edges: copying within one file (overlap EINVAL, disjoint
 * ranges fine), offsets updated or not, O_APPEND destination EBADF, read-only destination
 * EBADF, copying past EOF (0), sendfile count 0, sendfile to an O_APPEND file EINVAL. */
#include "files.h"
#include <sys/sendfile.h>

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    write(fd, "0123456789abcdefghij", 20);
    loff_t in = 0, out = 10;
    CHECK("same file overlapping", copy_file_range(fd, &in, fd, &out, 15, 0));
    in = 0; out = 10;
    CHECK("same file disjoint", copy_file_range(fd, &in, fd, &out, 5, 0));
    printf("offsets in %ld out %ld\n", (long)in, (long)out);
    show_file("f", P("f"));
    in = 0; out = 30;
    CHECK("beyond EOF of destination", copy_file_range(fd, &in, fd, &out, 2, 0));
    printf("size %ld\n", file_size(P("f")));
    in = 100;
    CHECK("source past EOF", copy_file_range(fd, &in, fd, NULL, 4, 0));
    int g = open(P("g"), O_RDWR | O_CREAT, 0644);
    lseek(fd, 2, SEEK_SET);
    CHECK("file offsets (NULL pointers)", copy_file_range(fd, NULL, g, NULL, 3, 0));
    printf("fd offset %ld g offset %ld\n", (long)lseek(fd, 0, SEEK_CUR), (long)lseek(g, 0, SEEK_CUR));
    show_file("g", P("g"));
    int ap = open(P("g"), O_WRONLY | O_APPEND);
    CHECK("O_APPEND destination", copy_file_range(fd, NULL, ap, NULL, 3, 0));
    CHECK("sendfile to O_APPEND", sendfile(ap, fd, NULL, 3));
    close(ap);
    int ro = open(P("g"), O_RDONLY);
    CHECK("read-only destination", copy_file_range(fd, NULL, ro, NULL, 3, 0));
    CHECK("write-only source", ({ int wo = open(P("f"), O_WRONLY); long r = copy_file_range(wo, NULL, g, NULL, 3, 0); close(wo); r; }));
    close(ro);
    in = -1;
    CHECK("negative offset", copy_file_range(fd, &in, g, NULL, 3, 0));
    CHECK("bad offset pointer", copy_file_range(fd, BAD_PTR, g, NULL, 3, 0));
    CHECK("sendfile count 0", sendfile(g, fd, NULL, 0));
    off_t so = 5;
    CHECK("sendfile with offset", sendfile(g, fd, &so, 4));
    printf("sendfile offset now %ld, fd offset %ld\n", (long)so, (long)lseek(fd, 0, SEEK_CUR));
    show_file("g", P("g"));
    int d = open(scratch, O_RDONLY | O_DIRECTORY);
    CHECK("directory destination", copy_file_range(fd, NULL, d, NULL, 3, 0));
    CHECK("sendfile from a directory", sendfile(g, d, NULL, 3));
    close(d);
    scratch_done();
    return 0;
}

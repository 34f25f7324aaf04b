/* sendfile, copy_file_range, splice and tee: data moved between files and pipes without a
 * user buffer, offsets used or updated, and the usual errors. */
#include "common.h"
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

static char path_a[] = "/tmp/sbx-xfer-a-XXXXXX", path_b[] = "/tmp/sbx-xfer-b-XXXXXX";

static void show(const char *what, int fd, off_t at, size_t n)
{
    char buf[128] = {0};
    ssize_t r = pread(fd, buf, n, at);
    printf("%s: %zd \"%s\"\n", what, r, r > 0 ? buf : "");
}

int main(void)
{
    int a = mkstemp(path_a), b = mkstemp(path_b);
    const char *text = "0123456789abcdefghijklmnopqrstuvwxyz";
    write(a, text, strlen(text));
    lseek(a, 0, SEEK_SET);

    /* sendfile with and without an offset */
    off_t off = 10;
    CHECK("sendfile 5 at offset 10", sendfile(b, a, &off, 5));
    printf("offset advanced to %ld, file position still %ld\n", (long)off, (long)lseek(a, 0, SEEK_CUR));
    show("b after sendfile", b, 0, 5);
    CHECK("sendfile 4 from the position", sendfile(b, a, NULL, 4));
    printf("file position now %ld\n", (long)lseek(a, 0, SEEK_CUR));
    show("b now", b, 0, 9);
    int p[2];
    pipe(p);
    CHECK("sendfile to a pipe", sendfile(p[1], a, NULL, 6));
    char got[64] = {0};
    read(p[0], got, 6);
    printf("pipe got \"%s\"\n", got);
    CHECK("sendfile from a pipe", sendfile(b, p[0], NULL, 4));
    CHECK("sendfile bad in fd", sendfile(b, 999, NULL, 4));
    CHECK("sendfile to read-only fd", sendfile(a, a, NULL, 4));
    off = -1;
    CHECK("sendfile negative offset", sendfile(b, a, &off, 4));
    off = 30;
    CHECK("sendfile past EOF", sendfile(b, a, &off, 100));
    CHECK("sendfile bad offset ptr", sendfile(b, a, BAD_PTR, 4));

    /* copy_file_range */
    loff_t in = 0, out = 20;
    CHECK("copy_file_range 8", copy_file_range(a, &in, b, &out, 8, 0));
    printf("offsets now %ld %ld\n", (long)in, (long)out);
    show("b at 20", b, 20, 8);
    CHECK("copy_file_range flags", copy_file_range(a, &in, b, &out, 8, 1));
    loff_t x = 0, y = 4;
    CHECK("copy_file_range overlapping same file", copy_file_range(a, &x, a, &y, 8, 0));
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK("copy_file_range from a directory", copy_file_range(dir, NULL, b, NULL, 8, 0));
    CHECK("copy_file_range from a pipe", copy_file_range(p[0], NULL, b, NULL, 8, 0));
    CHECK("copy_file_range zero length", copy_file_range(a, &in, b, &out, 0, 0));

    /* splice */
    loff_t so = 26;
    CHECK("splice file -> pipe", splice(a, &so, p[1], NULL, 6, 0));
    printf("splice offset now %ld\n", (long)so);
    loff_t wo = 40;
    CHECK("splice pipe -> file", splice(p[0], NULL, b, &wo, 6, 0));
    show("b at 40", b, 40, 6);
    CHECK("splice with an offset on the pipe", splice(p[0], &so, b, NULL, 6, 0));
    CHECK("splice without a pipe", splice(a, NULL, b, NULL, 6, 0));
    CHECK("splice bad flags", splice(a, NULL, p[1], NULL, 6, 0x100));
    CHECK("splice empty pipe nonblocking", splice(p[0], NULL, b, NULL, 6, SPLICE_F_NONBLOCK));

    /* tee */
    int q[2];
    pipe(q);
    write(p[1], "teedata", 7);
    CHECK("tee 7", tee(p[0], q[1], 7, 0));
    memset(got, 0, sizeof got);
    read(q[0], got, 7);
    printf("copy got \"%s\"\n", got);
    memset(got, 0, sizeof got);
    read(p[0], got, 7);
    printf("source still had \"%s\"\n", got);
    CHECK("tee same pipe", tee(p[0], p[1], 7, 0));
    CHECK("tee from a file", tee(a, q[1], 7, 0));
    CHECK("tee empty nonblocking", tee(p[0], q[1], 7, SPLICE_F_NONBLOCK));
    close(p[1]);
    CHECK("tee at EOF", tee(p[0], q[1], 7, 0));

    unlink(path_a);
    unlink(path_b);
    return 0;
}

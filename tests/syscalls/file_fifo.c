/* FIFOs made with mkfifo/mknod: type and mode, O_NONBLOCK open for writing with no reader
 * ENXIO, O_NONBLOCK read open succeeds, O_RDWR open never blocks, data passes between opens,
 * EOF once writers close, EAGAIN while a writer stays, ESPIPE on lseek, truncation ignored. */
#include "files.h"
#include <sys/wait.h>

int main(void)
{
    scratch_in("/tmp");
    umask(022);
    CHECK("mkfifo", mkfifo(P("p"), 0666));
    show_mode("p", P("p"));
    CHECK("mkfifo existing", mkfifo(P("p"), 0666));
    CHECK("mknod S_IFIFO", mknod(P("q"), S_IFIFO | 0600, 0));
    show_mode("q", P("q"));
    CHECK("open O_WRONLY|O_NONBLOCK without a reader", open(P("p"), O_WRONLY | O_NONBLOCK));
    int r = open(P("p"), O_RDONLY | O_NONBLOCK);
    CHECK("open O_RDONLY|O_NONBLOCK", r >= 0 ? 0 : -1);
    char buf[16];
    CHECK("read with no writer ever", read(r, buf, sizeof buf));
    int w = open(P("p"), O_WRONLY | O_NONBLOCK);
    CHECK("open O_WRONLY|O_NONBLOCK with a reader", w >= 0 ? 0 : -1);
    CHECK("read with a writer, no data", read(r, buf, sizeof buf));
    CHECK("write", write(w, "hello", 5));
    CHECK("read", read(r, buf, sizeof buf));
    close(w);
    CHECK("read after the writer closed (EOF)", read(r, buf, sizeof buf));
    CHECK("lseek", lseek(r, 0, SEEK_SET));
    close(r);
    int rw = open(P("p"), O_RDWR);
    CHECK("O_RDWR open does not block", rw >= 0 ? 0 : -1);
    CHECK("write to self", write(rw, "abc", 3));
    CHECK("read from self", read(rw, buf, 3));
    CHECK("ftruncate", ftruncate(rw, 0));
    CHECK("truncate by path", truncate(P("p"), 0));
    struct stat st;
    fstat(rw, &st);
    printf("fstat fifo %d size %ld\n", S_ISFIFO(st.st_mode), (long)st.st_size);
    close(rw);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int cw = open(P("q"), O_WRONLY); /* blocks until the parent opens for reading */
        write(cw, "from child", 10);
        close(cw);
        _exit(0);
    }
    int cr = open(P("q"), O_RDONLY);
    memset(buf, 0, sizeof buf);
    long n = 0, got;
    while ((got = read(cr, buf + n, sizeof buf - 1 - n)) > 0) n += got;
    printf("blocking pair: \"%s\" then %ld\n", buf, got);
    close(cr);
    waitpid(c, NULL, 0);
    CHECK("O_DIRECTORY on a fifo", open(P("p"), O_RDONLY | O_DIRECTORY | O_NONBLOCK));
    CHECK("unlink fifo", unlink(P("p")));
    scratch_done();
    return 0;
}

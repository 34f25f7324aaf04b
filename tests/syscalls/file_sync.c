/* fsync/fdatasync/syncfs/sync/sync_file_range: succeed on files and directories (also
 * read-only fds), EINVAL on pipes, EBADF on bad fds. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    write(fd, "x", 1);
    CHECK("fsync file", fsync(fd));
    CHECK("fdatasync file", fdatasync(fd));
    CHECK("syncfs file", syncfs(fd));
    CHECK("sync_file_range", sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE));
    CHECK("sync_file_range bad flags", sync_file_range(fd, 0, 0, 0x80));
    CHECK("sync_file_range negative", sync_file_range(fd, -1, 0, SYNC_FILE_RANGE_WRITE));
    close(fd);
    fd = open(P("f"), O_RDONLY);
    CHECK("fsync read-only fd", fsync(fd));
    close(fd);
    fd = open(scratch, O_RDONLY | O_DIRECTORY);
    CHECK("fsync dir", fsync(fd));
    CHECK("fdatasync dir", fdatasync(fd));
    close(fd);
    int p[2];
    pipe(p);
    CHECK("fsync pipe", fsync(p[0]));
    CHECK("fdatasync pipe", fdatasync(p[1]));
    CHECK("syncfs pipe", syncfs(p[0]));
    close(p[0]); close(p[1]);
    fd = open("/dev/null", O_WRONLY);
    CHECK("fsync /dev/null", fsync(fd));
    close(fd);
    CHECK("fsync bad fd", fsync(999));
    CHECK("fdatasync bad fd", fdatasync(999));
    CHECK("syncfs bad fd", syncfs(999));
    sync();
    printf("sync returned\n");
    scratch_done();
    return 0;
}

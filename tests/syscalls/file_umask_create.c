/* The umask on every way of creating a file: open O_CREAT, creat, mkdir, mknod (regular,
 * FIFO), mkfifo, O_TMPFILE (tmpfs), and symlinks (always 0777); umask returning the old value
 * and keeping only 0777. */
#include "files.h"

int main(void)
{
    scratch_in("/dev/shm");
    printf("first umask call returns old: %o\n", umask(027) == umask(027) ? 0 : 1);
    CHECK("umask(07777) returns 027", umask(07777));
    CHECK("umask keeps only 0777", umask(027));
    int masks[] = {0, 022, 077, 0777};
    for (int i = 0; i < 4; i++) {
        umask(masks[i]);
        char n[32];
        printf("-- umask %03o\n", masks[i]);
        snprintf(n, sizeof n, "open%d", i);
        close(open(P(n), O_CREAT | O_WRONLY, 0777));
        show_mode("open O_CREAT 0777", P(n));
        snprintf(n, sizeof n, "creat%d", i);
        close(creat(P(n), 0666));
        show_mode("creat 0666", P(n));
        snprintf(n, sizeof n, "dir%d", i);
        mkdir(P(n), 0777);
        show_mode("mkdir 0777", P(n));
        snprintf(n, sizeof n, "node%d", i);
        mknod(P(n), S_IFREG | 0777, 0);
        show_mode("mknod S_IFREG 0777", P(n));
        snprintf(n, sizeof n, "fifo%d", i);
        mkfifo(P(n), 0777);
        show_mode("mkfifo 0777", P(n));
        snprintf(n, sizeof n, "link%d", i);
        symlink("x", P(n));
        show_mode("symlink", P(n));
        int fd = open(scratch, O_TMPFILE | O_RDWR, 0777);
        struct stat st;
        fstat(fd, &st);
        printf("O_TMPFILE 0777: %04o\n", st.st_mode & 07777);
        close(fd);
        snprintf(n, sizeof n, "sticky%d", i);
        close(open(P(n), O_CREAT | O_WRONLY, 07777));
        show_mode("open O_CREAT 07777", P(n));
    }
    scratch_done();
    return 0;
}

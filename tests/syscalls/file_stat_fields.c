/* stat/lstat/fstat/fstatat fields that every local filesystem agrees on: nlink of
 * directories (2 + subdirectories), of files with hard links, symlink st_size = target
 * length, file sizes, st_blksize non-zero, st_blocks growing with data, st_dev shared within
 * a directory, st_ino shared by hard links, and ctime moving on chmod. */
#include "files.h"
#include <sys/sysmacros.h>

int main(void)
{
    scratch_in("/dev/shm");
    mkdir(P("d"), 0755);
    struct stat st;
    stat(P("d"), &st);
    printf("empty dir nlink %ld\n", (long)st.st_nlink);
    mkdir(P("d/a"), 0755);
    mkdir(P("d/b"), 0755);
    write_file(P("d/f"), "");
    stat(P("d"), &st);
    printf("dir with 2 subdirs nlink %ld\n", (long)st.st_nlink);
    symlink("a-rather-long-target-name", P("l"));
    lstat(P("l"), &st);
    printf("symlink size %ld mode %o\n", (long)st.st_size, st.st_mode & 07777);
    stat(P("d/f"), &st);
    printf("empty file size %ld blocks %ld blksize>0 %d\n", (long)st.st_size, (long)st.st_blocks, st.st_blksize > 0);
    int fd = open(P("d/f"), O_WRONLY);
    char buf[10000];
    memset(buf, 'x', sizeof buf);
    write(fd, buf, sizeof buf);
    fstat(fd, &st);
    printf("after 10000 bytes size %ld blocks>=20 %d\n", (long)st.st_size, st.st_blocks >= 20);
    close(fd);
    link(P("d/f"), P("d/g"));
    struct stat a, b;
    stat(P("d/f"), &a);
    stat(P("d/g"), &b);
    printf("links: nlink %ld same ino %d same dev %d\n", (long)a.st_nlink, a.st_ino == b.st_ino, a.st_dev == b.st_dev);
    stat(P("d"), &b);
    printf("file and dir same dev %d\n", a.st_dev == b.st_dev);
    int dfd = open(P("d"), O_RDONLY | O_DIRECTORY);
    CHECK("fstatat", fstatat(dfd, "f", &b, 0));
    printf("fstatat same ino %d\n", a.st_ino == b.st_ino);
    close(dfd);
    struct timespec c0 = a.st_ctim;
    struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
    utimensat(AT_FDCWD, P("d/f"), ts, 0);
    stat(P("d/f"), &a);
    printf("ctime moved on utimensat %d\n", a.st_ctim.tv_sec != c0.tv_sec || a.st_ctim.tv_nsec != c0.tv_nsec);
    printf("uid %u gid %u\n", a.st_uid, a.st_gid);
    CHECK("stat missing", stat(P("zz"), &st));
    CHECK("stat bad buf", stat(P("d"), BAD_PTR));
    CHECK("fstat bad fd", fstat(999, &st));
    int p[2];
    pipe(p);
    fstat(p[0], &st);
    printf("pipe is fifo %d mode %o size %ld\n", S_ISFIFO(st.st_mode), st.st_mode & 0777, (long)st.st_size);
    close(p[0]); close(p[1]);
    stat("/dev/null", &st);
    printf("/dev/null chr %d rdev %u:%u\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
    scratch_done();
    return 0;
}

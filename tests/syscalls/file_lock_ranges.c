/* POSIX lock ranges of one owner, as another process sees them with F_GETLK: unlocking the
 * middle splits a lock in two, adjacent locks of one type merge, a read lock inside a write
 * lock converts that part, SEEK_CUR/SEEK_END relative ranges, l_len 0 to EOF and beyond,
 * negative l_len. */
#include "files.h"
#include <sys/wait.h>

static int lk(int fd, short type, int whence, long start, long len)
{
    struct flock fl = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
    return fcntl(fd, F_SETLK, &fl);
}

/* Forks a child that probes each byte 0..39 plus 1000 with F_GETLK and prints a map. */
static void map(const char *label, const char *path)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int fd = open(path, O_RDWR);
        char line[64];
        int i;
        for (i = 0; i < 40; i++) {
            struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = i, .l_len = 1};
            fcntl(fd, F_GETLK, &fl);
            line[i] = fl.l_type == F_UNLCK ? '.' : fl.l_type == F_RDLCK ? 'r' : 'W';
        }
        line[i] = 0;
        struct flock far = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1000000, .l_len = 1};
        fcntl(fd, F_GETLK, &far);
        printf("%-28s %s far:%c\n", label, line, far.l_type == F_UNLCK ? '.' : far.l_type == F_RDLCK ? 'r' : 'W');
        /* The extent F_GETLK reports for byte 5's lock. */
        struct flock at5 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
        fcntl(fd, F_GETLK, &at5);
        if (at5.l_type != F_UNLCK) printf("%-28s byte 5 lock: start %ld len %ld\n", "", (long)at5.l_start, (long)at5.l_len);
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
}

int main(void)
{
    scratch_in("/tmp");
    const char *f = P("f");
    int fd = open(f, O_RDWR | O_CREAT, 0644);
    char zeros[30] = {0};
    write(fd, zeros, sizeof zeros);
    CHECK("WR [0,30)", lk(fd, F_WRLCK, SEEK_SET, 0, 30));
    map("one write lock", f);
    CHECK("UN [10,20)", lk(fd, F_UNLCK, SEEK_SET, 10, 10));
    map("middle unlocked", f);
    CHECK("WR [10,15)", lk(fd, F_WRLCK, SEEK_SET, 10, 5));
    map("refilled part", f);
    CHECK("WR [15,20) (merges all)", lk(fd, F_WRLCK, SEEK_SET, 15, 5));
    map("merged", f);
    CHECK("RD [3,8) inside", lk(fd, F_RDLCK, SEEK_SET, 3, 5));
    map("read inside write", f);
    CHECK("UN all", lk(fd, F_UNLCK, SEEK_SET, 0, 0));
    map("all unlocked", f);
    CHECK("RD [2,4)", lk(fd, F_RDLCK, SEEK_SET, 2, 2));
    CHECK("RD [4,6) adjacent", lk(fd, F_RDLCK, SEEK_SET, 4, 2));
    CHECK("WR [6,8) adjacent, other type", lk(fd, F_WRLCK, SEEK_SET, 6, 2));
    map("adjacent", f);
    lseek(fd, 20, SEEK_SET);
    CHECK("WR SEEK_CUR +2 len 3", lk(fd, F_WRLCK, SEEK_CUR, 2, 3));
    CHECK("RD SEEK_END -5 len 2", lk(fd, F_RDLCK, SEEK_END, -5, 2));
    map("relative", f);
    CHECK("WR [35, EOF and beyond)", lk(fd, F_WRLCK, SEEK_SET, 35, 0));
    map("to EOF", f);
    CHECK("UN [38, EOF)", lk(fd, F_UNLCK, SEEK_SET, 38, 0));
    CHECK("RD len -3 before 14", lk(fd, F_RDLCK, SEEK_SET, 14, -3));
    map("negative len", f);
    CHECK("SEEK_END -100 (before 0)", lk(fd, F_RDLCK, SEEK_END, -100, 1));
    close(fd);
    map("after close", f);
    scratch_done();
    return 0;
}

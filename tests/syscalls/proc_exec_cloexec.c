/* Across execve: FD_CLOEXEC fds are closed, others stay (with their offset); pipe data survives. */
#include "proc.h"
#include <fcntl.h>

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "child") == 0) {
        int keep = atoi(argv[2]), gone = atoi(argv[3]), pr = atoi(argv[4]);
        CHECK("kept fd F_GETFD", fcntl(keep, F_GETFD));
        CHECK("cloexec fd F_GETFD", fcntl(gone, F_GETFD));
        CHECK("offset kept across exec", lseek(keep, 0, SEEK_CUR));
        char buf[16] = {0};
        CHECK("read pipe data written before exec", read(pr, buf, sizeof buf));
        printf("data: %s\n", buf);
        return 0;
    }
    int keep = open("/etc/passwd", O_RDONLY);
    lseek(keep, 5, SEEK_SET);
    int gone = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    int p[2];
    pipe(p);
    write(p[1], "before", 6);
    close(p[1]);
    int dupfd = fcntl(keep, F_DUPFD_CLOEXEC, 50);
    TRUE("F_DUPFD_CLOEXEC sets the flag", fcntl(dupfd, F_GETFD) == FD_CLOEXEC);
    pid_t c = xfork();
    if (c == 0) {
        char a[16], b[16], d[16];
        snprintf(a, sizeof a, "%d", keep);
        snprintf(b, sizeof b, "%d", gone);
        snprintf(d, sizeof d, "%d", p[0]);
        char *av[] = {argv[0], "child", a, b, d, NULL};
        execv(argv[0], av);
        _exit(127);
    }
    reap("child", c);
    return 0;
}

/* execve failures: the process keeps running and gets the right errno. */
#include "proc.h"
#include <fcntl.h>
#include <sys/stat.h>

int main(void)
{
    char *av[] = {"x", NULL};
    char *ev[] = {NULL};
    CHECK("ENOENT", execve("/nonexistent/program", av, ev));
    CHECK("empty path", execve("", av, ev));
    CHECK("directory", execve("/", av, ev));
    CHECK("directory /etc", execve("/etc", av, ev));
    CHECK("not executable regular file", execve("/etc/passwd", av, ev));
    CHECK("ENOTDIR", execve("/etc/passwd/x", av, ev));
    CHECK("character device", execve("/dev/null", av, ev));
    CHECK("bad path pointer", syscall(SYS_execve, BAD_PTR, av, ev));
    CHECK("bad argv pointer, missing file (the lookup comes first)", syscall(SYS_execve, "/nonexistent/program", BAD_PTR, ev));
    CHECK("bad argv pointer, existing program", syscall(SYS_execve, "/bin/sh", BAD_PTR, ev));
    char *badav[] = {"x", BAD_PTR, NULL};
    CHECK("bad argv[1] string", syscall(SYS_execve, "/bin/sh", badav, ev));
    char longp[5000];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = 0;
    CHECK("ENAMETOOLONG", execve(longp, av, ev));
    CHECK("ELOOP-free missing component", execve("/usr/bin/../nonexistent", av, ev));
    int fd = open("/etc/passwd", O_RDONLY);
    CHECK("execveat AT_EMPTY_PATH on a non-executable fd", syscall(SYS_execveat, fd, "", av, ev, AT_EMPTY_PATH));
    CHECK("execveat bad flags", syscall(SYS_execveat, AT_FDCWD, "/bin/true", av, ev, 0x80000));
    CHECK("execveat bad dirfd", syscall(SYS_execveat, 999, "relative", av, ev, 0));
    CHECK("execveat ENOTDIR dirfd", syscall(SYS_execveat, fd, "relative", av, ev, 0));
    /* a failing exec in a child: status tells */
    pid_t c = xfork();
    if (c == 0) {
        execve("/nonexistent", av, ev);
        _exit(errno == ENOENT ? 127 : 1);
    }
    reap("child after failed exec", c);
    printf("still here\n");
    return 0;
}

/* execvp/execlp: PATH search, skipping missing directories and non-executable entries. */
#include "proc.h"

static void try(const char *what, const char *path, const char *file, const char *script)
{
    int p[2];
    pipe(p);
    pid_t c = xfork();
    if (c == 0) {
        dup2(p[1], 1);
        if (path)
            setenv("PATH", path, 1);
        else
            unsetenv("PATH");
        char *av[] = {(char *)file, "-c", (char *)script, NULL};
        execvp(file, av);
        _exit(errno == ENOENT ? 120 : errno == EACCES ? 121 : 122);
    }
    close(p[1]);
    char buf[128];
    size_t n = read_full(p[0], buf, sizeof buf - 1);
    buf[n] = 0;
    close(p[0]);
    int st;
    waitpid(c, &st, 0);
    printf("%s: %s, output: %s%s", what, wstatus(st), buf, n && buf[n - 1] == '\n' ? "" : "\n");
}

int main(void)
{
    try("PATH=/bin", "/bin", "sh", "echo found");
    try("missing dirs first", "/nonexistent:/also/missing:/usr/bin:/bin", "sh", "echo found after skipping");
    try("non-executable entry skipped (/etc has passwd)", "/etc:/bin", "sh", "echo ok");
    try("not found anywhere", "/bin:/usr/bin", "no-such-cmd-xyz", "");
    try("only a non-executable match", "/etc", "passwd", "");
    try("slash in name: no search", "/bin", "/bin/sh", "echo direct");
    try("empty PATH element = cwd (not found)", ":/nonexistent", "no-such-cmd-xyz", "");
    return 0;
}

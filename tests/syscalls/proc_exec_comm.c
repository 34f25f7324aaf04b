/* The name a program runs under (/proc/PID/comm, PR_GET_NAME) after execve: the basename of
 * the path given to execve, even for a #! script (binfmt_script keeps bprm->filename, so the
 * script's name, not the interpreter's), cut to 15 bytes; a symlink's own name, not its
 * target's. (pidof finds a script such as critest's "nginx" by it.) */
#include "proc.h"
#include <fcntl.h>
#include <sys/stat.h>

static char dir[64];

static void run(const char *path, const char *label)
{
    int p[2];
    pipe(p);
    pid_t c = xfork();
    if (c == 0) {
        dup2(p[1], 1);
        char *av[] = {(char *)path, NULL};
        char *ev[] = {"PATH=/usr/bin:/bin", NULL};
        execve(path, av, ev);
        _exit(127);
    }
    close(p[1]);
    char buf[256];
    size_t n = read_full(p[0], buf, sizeof buf - 1);
    buf[n] = 0;
    close(p[0]);
    int st;
    waitpid(c, &st, 0);
    printf("%s: %s, comm %s", label, wstatus(st), n ? buf : "(none)\n");
}

static void write_file(const char *path, const char *text, int mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    write(fd, text, strlen(text));
    close(fd);
}

int main(void)
{
    strcpy(dir, "/tmp/commXXXXXX");
    if (!mkdtemp(dir)) {
        printf("mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    char script[128], longname[128];
    snprintf(script, sizeof script, "%s/nginx", dir);
    write_file(script, "#!/bin/sh\ncat /proc/$$/comm\n", 0755);
    run(script, "script");

    snprintf(longname, sizeof longname, "%s/a-script-with-a-long-name", dir);
    write_file(longname, "#!/bin/sh\ncat /proc/$$/comm\n", 0755);
    run(longname, "long script name");

    /* A symlink to an ELF program: the link's name. */
    char elf[128];
    snprintf(elf, sizeof elf, "%s/my-cat", dir);
    symlink("/bin/cat", elf);
    pid_t d = xfork();
    if (d == 0) {
        int in = open("/proc/self/comm", O_RDONLY);
        dup2(in, 0);
        char *av[] = {elf, NULL};
        char *ev[] = {NULL};
        execve(elf, av, ev);
        _exit(127);
    }
    int st;
    waitpid(d, &st, 0);
    printf("symlink to an ELF program: %s\n", wstatus(st));

    unlink(script);
    unlink(longname);
    unlink(elf);
    rmdir(dir);
    return 0;
}

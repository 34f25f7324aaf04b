/* The working directory when it changes under the process: renaming it moves getcwd's
 * answer; removing it keeps it usable for "." stat but getcwd fails with ENOENT; fchdir to a
 * file ENOTDIR, to an O_PATH directory fd works; chdir to a mode 000 directory as a user. */
#include "files.h"
#include <grp.h>
#include <sys/wait.h>

static void cwd(const char *label)
{
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    size_t n = strlen(scratch);
    printf("%s: %s\n", label, strncmp(buf, scratch, n) == 0 ? buf + n : buf);
}

int main(void)
{
    scratch_in("/tmp");
    mkdir(P("a"), 0755);
    mkdir(P("a/b"), 0755);
    CHECK("chdir a/b", chdir(P("a/b")));
    cwd("cwd");
    CHECK("rename a to z", rename(P("a"), P("z")));
    cwd("after renaming a parent");
    CHECK("rename z/b to y", rename(P("z/b"), P("y")));
    cwd("after moving cwd itself");
    CHECK("rmdir cwd by path", rmdir(P("y")));
    cwd("after rmdir");
    struct stat st;
    CHECK("stat . in removed cwd", stat(".", &st));
    printf("nlink of removed cwd %ld\n", (long)st.st_nlink);
    CHECK("create in removed cwd", open("x", O_CREAT | O_WRONLY, 0644));
    CHECK("mkdir in removed cwd", mkdir("x", 0755));
    CHECK("stat .. from removed cwd", stat("..", &st));
    CHECK("chdir .. from removed cwd", chdir(".."));
    cwd("after chdir ..");
    CHECK("getcwd size 1", getcwd((char[1]){0}, 1) ? 0 : -1);
    CHECK("getcwd raw size 0", syscall(SYS_getcwd, (char[8]){0}, 0));
    write_file(P("f"), "x");
    int fd = open(P("f"), O_RDONLY);
    CHECK("fchdir to a file", fchdir(fd));
    close(fd);
    fd = open(P("z"), O_PATH | O_DIRECTORY);
    CHECK("fchdir O_PATH dir", fchdir(fd));
    cwd("after fchdir");
    close(fd);
    CHECK("fchdir bad fd", fchdir(999));
    CHECK("chdir to a file", chdir(P("f")));
    CHECK("chdir missing", chdir(P("missing")));
    mkdir(P("locked"), 0700);
    chdir("/");
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setgroups(0, NULL);
        setgid(1000);
        setuid(1000);
        CHECK("user chdir into a 0700 root dir", chdir(P("locked")));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    scratch_done();
    return 0;
}

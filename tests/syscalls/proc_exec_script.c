/* execve of a #! script that already exists on the host (/usr/bin/which, /usr/bin/ldd...):
 * the kernel runs the interpreter; only exit statuses are printed. */
#include "proc.h"
#include <fcntl.h>

static int is_script(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    char b[2] = {0, 0};
    int ok = read(fd, b, 2) == 2 && b[0] == '#' && b[1] == '!';
    close(fd);
    return ok && access(path, X_OK) == 0;
}

int main(void)
{
    const char *cands[] = {"/usr/bin/which", "/bin/which", "/usr/bin/ldd", "/usr/bin/zcat", "/bin/zcat", "/usr/bin/gunzip", NULL};
    int found = 0;
    for (int i = 0; cands[i] && !found; i++) {
        if (!is_script(cands[i]))
            continue;
        found = 1;
        int p[2];
        pipe(p);
        pid_t c = xfork();
        if (c == 0) {
            int dn = open("/dev/null", O_WRONLY);
            dup2(dn, 2);
            dup2(p[1], 1);
            char *av[] = {(char *)cands[i], "--definitely-not-an-option-xyz", NULL};
            char *ev[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
            execve(cands[i], av, ev);
            _exit(200 + (errno & 31));
        }
        close(p[1]);
        char buf[4096];
        size_t n = read_full(p[0], buf, sizeof buf);
        close(p[0]);
        int st;
        waitpid(c, &st, 0);
        printf("a #! script ran through its interpreter: %s (exited, not 2xx: %s)\n",
               WIFEXITED(st) && WEXITSTATUS(st) < 200 ? "yes" : "no", WIFEXITED(st) ? "yes" : "no");
        (void)n;
    }
    printf("found a script: %s\n", found ? "yes" : "no");
    return 0;
}

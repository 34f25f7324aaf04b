/* no_new_privs: a set-user-ID-root program run by uid 1000 gets euid 0, except under
 * PR_SET_NO_NEW_PRIVS, which also survives fork and execve and cannot be unset. */
#include "seccomp.h"
#include <fcntl.h>
#include <sys/stat.h>

static char copy[64];

static void run_copy(int nnp)
{
    if (nnp) CHECK("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK("setresuid 1000", setresuid(1000, 1000, 1000));
    fflush(stdout);
    char *argv[] = { copy, "show", NULL };
    execv(copy, argv);
    printf("execv: %s\n", errname(errno));
}

static void plain(void) { run_copy(0); }
static void with_nnp(void) { run_copy(1); }

int main(int argc, char **argv)
{
    if (argc > 1) {
        printf("in the set-user-ID program: uid=%d euid=%d nnp=%d\n", (int)getuid(), (int)geteuid(), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        return 0;
    }
    CHECK("PR_SET_NO_NEW_PRIVS 2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
    CHECK("PR_SET_NO_NEW_PRIVS extra arg", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
    snprintf(copy, sizeof copy, "/tmp/nnp-setuid-%d", (int)getpid());
    int in = open("/proc/self/exe", O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n) return 1;
    close(in);
    close(out);
    CHECK("chown root", chown(copy, 0, 0));
    CHECK("chmod 04755", chmod(copy, 04755));
    in_child("without no_new_privs", plain);
    in_child("with no_new_privs", with_nnp);
    unlink(copy);
    return 0;
}

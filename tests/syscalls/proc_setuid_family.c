/* The setuid family within the sandbox: real/effective/saved/fs ids, their permission rules
 * for privileged and unprivileged callers, and supplementary groups. Each case runs in a
 * child so the next starts from the original identity. */
#include "proc.h"
#include <grp.h>
#include <sys/fsuid.h>

static void ids(const char *what)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    int fsu = setfsuid(-1), fsg = setfsgid(-1);
    printf("%s: uid=%u/%u/%u fsuid=%d gid=%u/%u/%u fsgid=%d\n", what, r, e, s, fsu, gr, ge, gs, fsg);
}

#define CASE(name, ...)                  \
    do {                                 \
        pid_t p_ = xfork();              \
        if (p_ == 0) {                   \
            __VA_ARGS__;                 \
            fflush(stdout);              \
            _exit(0);                    \
        }                                \
        reap(name, p_);                  \
    } while (0)

int main(void)
{
    int root = geteuid() == 0;
    printf("running as root: %s\n", root ? "yes" : "no");
    uid_t me = getuid();
    gid_t mygid = getgid();

    CASE("setuid to self", { CHECK("setuid(self)", setuid(me)); ids("after"); });
    CASE("setuid to other", { CHECK("setuid(1000)", setuid(1000)); ids("after"); CHECK("setuid back", setuid(me)); ids("back"); });
    CASE("setuid -1", { CHECK("setuid(-1)", setuid((uid_t)-1)); });
    CASE("setresuid keep saved", {
        CHECK("setresuid(1000,1000,-1)", setresuid(1000, 1000, -1));
        ids("after");
        CHECK("seteuid(saved)", seteuid(me));
        ids("euid back");
        CHECK("setresuid(-1,2000,-1)", setresuid(-1, 2000, -1));
    });
    CASE("setresuid drop all", {
        CHECK("setresuid(1000,1000,1000)", setresuid(1000, 1000, 1000));
        ids("dropped");
        CHECK("setuid(0) after drop", setuid(0));
        CHECK("setresuid(-1,-1,-1)", setresuid(-1, -1, -1));
        CHECK("setresuid(1000,-1,-1)", setresuid(1000, -1, -1));
        CHECK("setreuid(-1,0)", setreuid(-1, 0));
        CHECK("setgroups after drop", setgroups(0, NULL));
        ids("final");
    });
    CASE("setreuid saved follows", {
        CHECK("setreuid(-1,1000)", setreuid(-1, 1000));
        ids("euid moved");
        CHECK("setreuid(-1,me)", setreuid(-1, me));
        ids("euid back");
        CHECK("setreuid(1000,2000)", setreuid(1000, 2000));
        ids("both");
        CHECK("setreuid(2000,1000)", setreuid(2000, 1000));
        ids("swapped");
        CHECK("setreuid(3000,-1)", setreuid(3000, -1));
    });
    CASE("fsuid", {
        printf("setfsuid(1000) returns the old: %s\n", setfsuid(1000) == (int)me ? "yes" : "no");
        ids("fsuid moved");
        printf("setfsuid(2000) again returns 1000: %s\n", setfsuid(2000) == 1000 ? "yes" : "no");
        ids("fsuid moved again");
        CHECK("setresuid(1000,1000,1000)", setresuid(1000, 1000, 1000));
        printf("setfsuid(0) refused, returns old: %d\n", setfsuid(0));
        ids("after refused");
    });
    CASE("gids", {
        CHECK("setgid(100)", setgid(100));
        ids("after setgid");
        CHECK("setregid(200,300)", setregid(200, 300));
        ids("after setregid");
        CHECK("setresgid(-1,400,-1)", setresgid(-1, 400, -1));
        CHECK("setfsgid(500) old", setfsgid(500));
        ids("after setfsgid");
        CHECK("setgid(-1)", setgid((gid_t)-1));
    });
    CASE("groups", {
        gid_t g[] = {30, 10, 20, 10};
        CHECK("setgroups(4)", setgroups(4, g));
        gid_t out[8] = {0};
        int n = getgroups(8, out);
        printf("getgroups: %d:", n);
        for (int i = 0; i < n; i++) printf(" %u", out[i]);
        printf("\n");
        CHECK("getgroups(1) too small", getgroups(1, out));
        CHECK("setgroups(70000)", setgroups(70000, g));
        CHECK("setgroups bad ptr", setgroups(2, BAD_PTR));
        gid_t bad[] = {(gid_t)-1};
        CHECK("setgroups(-1 gid)", setgroups(1, bad));
        CHECK("setgroups(0)", setgroups(0, NULL));
        CHECK("getgroups count", getgroups(0, NULL));
    });
    CASE("bad pointers", {
        CHECK("getresuid(bad)", syscall(SYS_getresuid, BAD_PTR, BAD_PTR, BAD_PTR));
        CHECK("getresgid(bad)", syscall(SYS_getresgid, BAD_PTR, BAD_PTR, BAD_PTR));
    });
    (void)mygid;
    return 0;
}

/* getrlimit/setrlimit/prlimit64: consistency between interfaces, lowering soft limits. */
#include "common.h"
#include <fcntl.h>
#include <sys/resource.h>

static int same(struct rlimit a, struct rlimit b)
{
    return a.rlim_cur == b.rlim_cur && a.rlim_max == b.rlim_max;
}

int main(void)
{
    static const struct { const char *name; int res; } rs[] = {
        {"NOFILE", RLIMIT_NOFILE}, {"STACK", RLIMIT_STACK}, {"AS", RLIMIT_AS},
        {"DATA", RLIMIT_DATA}, {"CORE", RLIMIT_CORE}, {"CPU", RLIMIT_CPU},
        {"FSIZE", RLIMIT_FSIZE},
    };
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
        struct rlimit g, p, r;
        long a = syscall(SYS_getrlimit, rs[i].res, &g);
        long b = syscall(SYS_prlimit64, 0, rs[i].res, NULL, &p);
        long c = getrlimit(rs[i].res, &r);
        printf("%s: getrlimit=%ld prlimit64=%ld glibc=%ld consistent=%d cur<=max=%d\n", rs[i].name, a, b, c,
               same(g, p) && same(g, r), g.rlim_cur <= g.rlim_max);
    }
    struct rlimit nf, nf2, old;
    getrlimit(RLIMIT_NOFILE, &nf);
    if (nf.rlim_max < 64) {
        printf("hard NOFILE limit too low for this test\n");
        return 1;
    }
    nf2 = nf;
    nf2.rlim_cur = 64;
    CHECK("lower NOFILE soft to 64", setrlimit(RLIMIT_NOFILE, &nf2));
    getrlimit(RLIMIT_NOFILE, &old);
    printf("NOFILE soft now: %lu, hard unchanged: %d\n", (unsigned long)old.rlim_cur, old.rlim_max == nf.rlim_max);
    CHECK("F_DUPFD at 63", fcntl(1, F_DUPFD, 63));
    CHECK("F_DUPFD at 64 (over limit)", fcntl(1, F_DUPFD, 64));
    CHECK("dup2 to 64", dup2(1, 64));
    CHECK("sysconf OPEN_MAX", sysconf(_SC_OPEN_MAX));
    CHECK("getdtablesize", getdtablesize());
    struct rlimit n3 = {32, 32};
    CHECK("prlimit64 set with old", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &n3, &old));
    printf("prlimit64 old soft: %lu\n", (unsigned long)old.rlim_cur);
    getrlimit(RLIMIT_NOFILE, &old);
    printf("NOFILE now: %lu/%lu\n", (unsigned long)old.rlim_cur, (unsigned long)old.rlim_max);
    struct rlimit bad = {100, 50};
    CHECK("soft > hard", setrlimit(RLIMIT_NOFILE, &bad));
    CHECK("bad resource get", syscall(SYS_getrlimit, 99, &old));
    CHECK("bad resource prlimit", syscall(SYS_prlimit64, 0, 99, NULL, &old));
    CHECK("bad resource set", syscall(SYS_setrlimit, RLIMIT_NLIMITS, &n3));
    CHECK("efault get", syscall(SYS_getrlimit, RLIMIT_NOFILE, BAD_PTR));
    CHECK("efault prlimit new", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, BAD_PTR, NULL));
    CHECK("prlimit nonexistent pid", syscall(SYS_prlimit64, 0x3fffffff, RLIMIT_NOFILE, NULL, &old));
    struct rlimit core = {0, 0};
    getrlimit(RLIMIT_CORE, &core);
    core.rlim_cur = 0;
    CHECK("lower CORE soft to 0", setrlimit(RLIMIT_CORE, &core));
    getrlimit(RLIMIT_CORE, &old);
    printf("CORE soft now: %lu\n", (unsigned long)old.rlim_cur);
    return 0;
}

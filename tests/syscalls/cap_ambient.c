/* Capability sets beyond capget/capset: the bounding set (PR_CAPBSET_READ/DROP), the ambient
 * set (PR_CAP_AMBIENT) and what execve makes of them for a non-root uid; CAP_NET_RAW gating
 * raw and packet sockets. Only chosen bits are printed: the starting sets are the host's. */
#include "seccomp.h"
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/socket.h>

static unsigned long long status_hex(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long v = ~0ULL;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':') { v = strtoull(line + n + 1, NULL, 16); break; }
    if (f) fclose(f);
    return v;
}

static void show_sets(const char *when)
{
    unsigned long long chown_bit = 1ULL << CAP_CHOWN;
    unsigned long long eff = status_hex("CapEff"), prm = status_hex("CapPrm"), amb = status_hex("CapAmb"), inh = status_hex("CapInh");
    printf("%s: uid=%d eff=%s prm=%s amb=%s inh=%s\n", when, (int)getuid(),
           eff == 0 ? "none" : eff == chown_bit ? "CHOWN" : "more",
           prm == 0 ? "none" : prm == chown_bit ? "CHOWN" : "more",
           amb == 0 ? "none" : amb == chown_bit ? "CHOWN" : "more",
           inh == 0 ? "none" : inh == chown_bit ? "CHOWN" : "more");
}

static int set_caps(unsigned long long eff, unsigned long long prm, unsigned long long inh)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = {
        { (unsigned)eff, (unsigned)prm, (unsigned)inh },
        { (unsigned)(eff >> 32), (unsigned)(prm >> 32), (unsigned)(inh >> 32) },
    };
    return syscall(SYS_capset, &h, d);
}

static void bounding(void)
{
    CHECK("CAPBSET_READ NET_RAW", prctl(PR_CAPBSET_READ, CAP_NET_RAW));
    CHECK("CAPBSET_READ 99", prctl(PR_CAPBSET_READ, 99));
    CHECK("CAPBSET_DROP NET_RAW", prctl(PR_CAPBSET_DROP, CAP_NET_RAW));
    CHECK("CAPBSET_READ NET_RAW", prctl(PR_CAPBSET_READ, CAP_NET_RAW));
    CHECK("CAPBSET_DROP NET_RAW again", prctl(PR_CAPBSET_DROP, CAP_NET_RAW));
    CHECK("CAPBSET_DROP 99", prctl(PR_CAPBSET_DROP, 99));
    TRUE("CapBnd lost NET_RAW", (status_hex("CapBnd") & (1ULL << CAP_NET_RAW)) == 0);
    /* Without CAP_NET_RAW in the effective set: no raw or packet sockets. */
    CHECK("capset CHOWN|SETPCAP only", set_caps((1ULL << CAP_CHOWN) | (1ULL << CAP_SETPCAP), (1ULL << CAP_CHOWN) | (1ULL << CAP_SETPCAP), 0));
    CHECK("socket raw icmp", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    CHECK("socket packet", socket(17 /* AF_PACKET */, SOCK_RAW, 0));
    CHECK("CAPBSET_DROP CHOWN (SETPCAP held)", prctl(PR_CAPBSET_DROP, CAP_CHOWN));
    CHECK("capset CHOWN only", set_caps(1ULL << CAP_CHOWN, 1ULL << CAP_CHOWN, 0));
    CHECK("CAPBSET_DROP KILL without SETPCAP", prctl(PR_CAPBSET_DROP, CAP_KILL));
}

static void ambient(void)
{
    CHECK("AMBIENT_IS_SET CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
    CHECK("AMBIENT_IS_SET 99", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 99, 0, 0));
    CHECK("AMBIENT_IS_SET extra arg", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 1, 0));
    CHECK("AMBIENT op 9", prctl(PR_CAP_AMBIENT, 9, CAP_CHOWN, 0, 0));
    CHECK("AMBIENT_CLEAR_ALL extra arg", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0));
    CHECK("AMBIENT_RAISE CHOWN, not inheritable", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
    unsigned long long keep = (1ULL << CAP_CHOWN) | (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID);
    CHECK("capset inheritable CHOWN", set_caps(keep, keep, 1ULL << CAP_CHOWN));
    CHECK("AMBIENT_RAISE CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
    CHECK("AMBIENT_IS_SET CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
    CHECK("AMBIENT_LOWER CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_CHOWN, 0, 0));
    CHECK("AMBIENT_IS_SET CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
    CHECK("AMBIENT_RAISE CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
    /* Leaving uid 0 clears the ambient set even with keepcaps; the permitted set stays. */
    CHECK("PR_SET_KEEPCAPS", prctl(PR_SET_KEEPCAPS, 1));
    CHECK("setresgid 1000", setresgid(1000, 1000, 1000));
    CHECK("setresuid 1000", setresuid(1000, 1000, 1000));
    show_sets("after setresuid");
    CHECK("capset CHOWN back", set_caps(1ULL << CAP_CHOWN, 1ULL << CAP_CHOWN, 1ULL << CAP_CHOWN));
    CHECK("AMBIENT_RAISE CHOWN", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
    show_sets("before execve");
    fflush(stdout);
    char *argv[] = { "/proc/self/exe", "show", NULL };
    execv(argv[0], argv);
    printf("execv failed\n");
}

static void no_ambient(void)
{
    unsigned long long keep = (1ULL << CAP_CHOWN) | (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID);
    set_caps(keep, keep, 1ULL << CAP_CHOWN);
    prctl(PR_SET_KEEPCAPS, 1);
    setresgid(1000, 1000, 1000);
    CHECK("setresuid 1000", setresuid(1000, 1000, 1000));
    CHECK("capset CHOWN", set_caps(1ULL << CAP_CHOWN, 1ULL << CAP_CHOWN, 1ULL << CAP_CHOWN));
    show_sets("before execve");
    fflush(stdout);
    char *argv[] = { "/proc/self/exe", "show", NULL };
    execv(argv[0], argv);
    printf("execv failed\n");
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        show_sets("after execve");
        return 0;
    }
    in_child("bounding set", bounding);
    in_child("ambient set", ambient);
    in_child("no ambient set", no_ambient);
    return 0;
}

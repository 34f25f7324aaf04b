/* System V shared memory (shmget(2), shmop(2), shmctl(2)): keys and IPC_PRIVATE, creation
 * flags, permissions, attach at chosen or kernel-chosen addresses, nattch across fork, exec
 * and exit, deferred IPC_RMID, the stat/info commands and /proc/sysvipc/shm. Only relations
 * are printed (no ids, addresses or times); what is made is removed (the native run uses the
 * host's IPC namespace). */
#include "proc.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>

#define KEY1 0x5b7c0d31

static struct shmid_ds st(int id)
{
    struct shmid_ds ds;
    memset(&ds, 0, sizeof ds);
    if (shmctl(id, IPC_STAT, &ds) != 0) printf("  IPC_STAT failed: %s\n", errname(errno));
    return ds;
}

static void show(const char *what, int id)
{
    struct shmid_ds ds = st(id);
    printf("%s: segsz=%lu mode=%o nattch=%lu key=%d cpid_self=%d uid_self=%d\n", what, (unsigned long)ds.shm_segsz,
           ds.shm_perm.mode, (unsigned long)ds.shm_nattch, ds.shm_perm.__key, ds.shm_cpid == getpid(),
           ds.shm_perm.uid == geteuid());
}

static int exec_check(int argc, char **argv)
{
    int id = atoi(argv[2]);
    printf("after exec: nattch=%lu\n", (unsigned long)st(id).shm_nattch);
    return 0;
}

/* `sysv_shm attach ID`: what HostIpcTests runs with --ipc host against a segment of the host's. */
static int attach_check(int id)
{
    char *p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        printf("shmat: %s\n", errname(errno));
        return 1;
    }
    printf("read: %s\n", p);
    strcpy(p, "from-sandbox");
    struct shmid_ds ds;
    CHECK("IPC_STAT", shmctl(id, IPC_STAT, &ds));
    printf("segsz: %lu\n", (unsigned long)ds.shm_segsz);
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    char line[512];
    int listed = 0;
    while (f && fgets(line, sizeof line, f)) {
        int kk, ii;
        if (sscanf(line, "%d %d", &kk, &ii) == 2 && ii == id) listed = 1;
    }
    if (f) fclose(f);
    printf("listed: %d\n", listed);
    pid_t c = xfork();
    if (c == 0) {
        printf("child reads: %.12s\n", p);
        _exit(0);
    }
    reap("child", c);
    CHECK("shmdt", shmdt(p));
    return 0;
}

static void in_child_as_nobody(int id, int key)
{
    pid_t c = xfork();
    if (c == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(9);
        CHECK("  nobody shmget(key, 0, 0)", shmget(key, 0, 0) == id ? 0 : -1);
        CHECK("  nobody shmget(key, 0, 0600)", shmget(key, 0, 0600) == id ? 0 : -1);
        CHECK("  nobody shmget(key, 0, 0004)", shmget(key, 0, 0004) == id ? 0 : -1);
        CHECK("  nobody shmat rw", shmat(id, NULL, 0) == (void *)-1 ? -1 : 0);
        void *p = shmat(id, NULL, SHM_RDONLY);
        CHECK("  nobody shmat rdonly", p == (void *)-1 ? -1 : 0);
        if (p != (void *)-1) printf("  nobody reads: %.5s\n", (char *)p);
        struct shmid_ds ds;
        CHECK("  nobody IPC_STAT", shmctl(id, IPC_STAT, &ds));
        CHECK("  nobody IPC_SET", shmctl(id, IPC_SET, &ds));
        CHECK("  nobody IPC_RMID", shmctl(id, IPC_RMID, NULL));
        CHECK("  nobody SHM_LOCK", shmctl(id, SHM_LOCK, NULL));
        fflush(stdout);
        _exit(0);
    }
    reap("  nobody child", c);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "exec-check") == 0) return exec_check(argc, argv);
    if (argc == 3 && strcmp(argv[1], "attach") == 0) return attach_check(atoi(argv[2]));
    long page = sysconf(_SC_PAGESIZE);

    /* Leftovers of an interrupted run. */
    int old = shmget(KEY1, 0, 0);
    if (old >= 0) shmctl(old, IPC_RMID, NULL);

    printf("-- sizes and flags\n");
    CHECK("shmget size 0", shmget(IPC_PRIVATE, 0, 0600));
    CHECK("shmget size huge", shmget(IPC_PRIVATE, (size_t)-1, 0600));
    CHECK("shmget unknown key", shmget(KEY1, 4096, 0600));
    int id = shmget(IPC_PRIVATE, 10000, 0640);
    TRUE("shmget private", id >= 0);
    int id2 = shmget(IPC_PRIVATE, 10000, 0640);
    TRUE("second private differs", id2 >= 0 && id2 != id);
    shmctl(id2, IPC_RMID, NULL);
    show("fresh", id);
    struct shmid_ds ds = st(id);
    TRUE("lpid 0, atime 0, dtime 0, ctime set", ds.shm_lpid == 0 && ds.shm_atime == 0 && ds.shm_dtime == 0 && ds.shm_ctime > 0);

    printf("-- attach\n");
    char *a = shmat(id, NULL, 0);
    TRUE("shmat", a != (void *)-1);
    TRUE("page aligned", ((uintptr_t)a & (page - 1)) == 0);
    TRUE("zero filled", a[0] == 0 && a[9999] == 0);
    strcpy(a, "hello");
    a[12287] = 'z'; /* the last page is mapped whole */
    ds = st(id);
    TRUE("lpid self, atime set", ds.shm_lpid == getpid() && ds.shm_atime > 0);
    char *b = shmat(id, NULL, 0);
    TRUE("second attach elsewhere", b != (void *)-1 && b != a);
    printf("second sees: %s\n", b);
    show("two attached", id);
    pid_t c = xfork();
    if (c == 0) {
        printf("child: nattch=%lu\n", (unsigned long)st(id).shm_nattch);
        strcpy(a + 100, "from-child");
        _exit(0);
    }
    reap("child", c);
    printf("parent sees: %s, nattch=%lu\n", b + 100, (unsigned long)st(id).shm_nattch);

    c = xfork();
    if (c == 0) {
        char ids[16];
        snprintf(ids, sizeof ids, "%d", id);
        shmat(id, NULL, 0);
        char *args[] = {argv[0], "exec-check", ids, NULL};
        execv("/proc/self/exe", args);
        _exit(1);
    }
    reap("exec child", c);

    CHECK("shmdt unaligned", shmdt(b + 1));
    CHECK("shmdt b", shmdt(b));
    CHECK("shmdt b again", shmdt(b));
    CHECK("shmdt not shm", shmdt(&page));
    show("one attached", id);
    ds = st(id);
    TRUE("dtime set", ds.shm_dtime > 0);

    printf("-- read-only attach\n");
    char *r = shmat(id, NULL, SHM_RDONLY);
    printf("read-only sees: %s\n", r);
    c = xfork();
    if (c == 0) {
        no_core();
        r[0] = 'x';
        _exit(0);
    }
    reap("write to read-only attach", c);
    CHECK("mprotect read-only attach writable", mprotect(r, page, PROT_READ | PROT_WRITE));
    CHECK("mprotect read-only attach exec", mprotect(r, page, PROT_READ | PROT_EXEC));
    shmdt(r);

    printf("-- chosen address\n");
    char *hole = mmap(NULL, 4 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, 4 * page);
    char *at = shmat(id, hole, 0);
    TRUE("at the address asked", at == hole);
    CHECK("again without SHM_REMAP", shmat(id, hole, 0) == (void *)-1 ? -1 : 0);
    TRUE("again with SHM_REMAP", shmat(id, hole, SHM_REMAP) == hole);
    CHECK("unaligned without SHM_RND", shmat(id, hole + 1, 0) == (void *)-1 ? -1 : 0);
    shmdt(hole);
    TRUE("SHM_RND rounds down", shmat(id, hole + 7, SHM_RND) == hole);
    printf("  sees: %s\n", hole);
    shmdt(hole);
    CHECK("SHM_REMAP without address", shmat(id, NULL, SHM_REMAP) == (void *)-1 ? -1 : 0);
    CHECK("shmat bad id", shmat(-1, NULL, 0) == (void *)-1 ? -1 : 0);
    CHECK("shmat stale id", shmat(id2, NULL, 0) == (void *)-1 ? -1 : 0);
    /* A split attachment is still detached whole. */
    char *s = shmat(id, NULL, 0);
    mprotect(s + page, page, PROT_READ);
    CHECK("shmdt of a split attachment", shmdt(s));
    TRUE("  all of it gone", mprotect(s + page, page, PROT_READ) == -1 && errno == ENOMEM);
    show("still one attached", id);

    printf("-- keys\n");
    int k = shmget(KEY1, 8192, IPC_CREAT | IPC_EXCL | 0604);
    TRUE("create with key", k >= 0);
    CHECK("IPC_CREAT|IPC_EXCL again", shmget(KEY1, 8192, IPC_CREAT | IPC_EXCL | 0604));
    TRUE("IPC_CREAT finds it", shmget(KEY1, 100, IPC_CREAT | 0604) == k);
    TRUE("no flags finds it", shmget(KEY1, 0, 0) == k);
    CHECK("bigger than it", shmget(KEY1, 8193, 0));
    show("keyed", k);
    char *kp = shmat(k, NULL, 0);
    strcpy(kp, "keyed");
    in_child_as_nobody(k, KEY1);

    printf("-- IPC_SET\n");
    ds = st(k);
    ds.shm_perm.mode = 0660 | 0100000;
    CHECK("IPC_SET", shmctl(k, IPC_SET, &ds));
    show("after IPC_SET", k);
    CHECK("IPC_SET bad pointer", shmctl(k, IPC_SET, (struct shmid_ds *)1));
    CHECK("IPC_STAT bad pointer", shmctl(k, IPC_STAT, (struct shmid_ds *)1));
    CHECK("SHM_LOCK", shmctl(k, SHM_LOCK, NULL));
    printf("locked: %d\n", (st(k).shm_perm.mode & SHM_LOCKED) != 0);
    CHECK("SHM_UNLOCK", shmctl(k, SHM_UNLOCK, NULL));
    printf("locked: %d\n", (st(k).shm_perm.mode & SHM_LOCKED) != 0);

    printf("-- removal while attached\n");
    CHECK("IPC_RMID", shmctl(k, IPC_RMID, NULL));
    show("removed, attached", k);
    printf("dest: %d\n", (st(k).shm_perm.mode & SHM_DEST) != 0);
    CHECK("key is free", shmget(KEY1, 0, 0));
    printf("still readable: %s\n", kp);
    char *kp2 = shmat(k, NULL, 0);
    TRUE("attach by id still works", kp2 != (void *)-1);
    shmdt(kp2);
    CHECK("shmdt last", shmdt(kp));
    CHECK("IPC_STAT after last detach", shmctl(k, IPC_STAT, &ds));
    CHECK("IPC_RMID again", shmctl(k, IPC_RMID, NULL));

    printf("-- info\n");
    struct shminfo info;
    int max = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
    TRUE("IPC_INFO", max >= 0 && info.shmmin == 1 && info.shmmni >= 1 && info.shmmax >= 10000);
    struct shm_info si;
    int max2 = shmctl(0, SHM_INFO, (struct shmid_ds *)&si);
    TRUE("SHM_INFO", max2 == max && si.used_ids >= 1 && si.shm_tot >= 3);
    int found = 0;
    for (int i = 0; i <= max; i++) {
        struct shmid_ds d2;
        if (shmctl(i, SHM_STAT, &d2) == id) found = d2.shm_segsz == 10000;
    }
    TRUE("SHM_STAT finds it by index", found);
    CHECK("SHM_STAT_ANY past the end", shmctl(max + 1, SHM_STAT_ANY, &ds));
    CHECK("bad command", shmctl(id, 99, &ds));
    CHECK("IPC_64 is not stripped", shmctl(id, IPC_STAT | 0x100, &ds));
    CHECK("negative id", shmctl(-1, IPC_STAT, &ds));
    CHECK("IPC_INFO bad pointer", shmctl(0, IPC_INFO, (struct shmid_ds *)1));

    printf("-- /proc\n");
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    char line[512];
    if (f && fgets(line, sizeof line, f)) printf("header: %s", line);
    int listed = 0;
    while (f && fgets(line, sizeof line, f)) {
        int kk, ii;
        unsigned mode;
        unsigned long size;
        if (sscanf(line, "%d %d %o %lu", &kk, &ii, &mode, &size) == 4 && ii == id) listed = kk == 0 && mode == 0640 && size == 10000;
    }
    if (f) fclose(f);
    TRUE("listed in /proc/sysvipc/shm", listed);
    f = fopen("/proc/self/maps", "r");
    int mapped = 0;
    while (f && fgets(line, sizeof line, f)) mapped |= strstr(line, "/SYSV00000000 (deleted)") != NULL;
    if (f) fclose(f);
    TRUE("named in /proc/self/maps", mapped);

    CHECK("IPC_RMID", shmctl(id, IPC_RMID, NULL));
    printf("after rmid: %s\n", a);
    CHECK("shmdt", shmdt(a));
    CHECK("gone", shmctl(id, IPC_STAT, &ds));
    return 0;
}

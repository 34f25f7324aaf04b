/* System V semaphores (semget(2), semop(2), semctl(2)): values and limits, atomic operation
 * arrays, IPC_NOWAIT, blocking until an increase or zero, timeouts, signals, removal under a
 * waiter, SEM_UNDO at exit, permissions and the stat/info commands. Only relations are printed;
 * what is made is removed (the native run uses the host's IPC namespace). */
#include "proc.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>

#define KEY2 0x5b7c0d32

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

static int op(int id, int num, int delta, int flg)
{
    struct sembuf b = {num, delta, flg};
    return semop(id, &b, 1);
}

/* Waits (up to 5 s) until `count` tasks wait on semaphore num for an increase (GETNCNT) or zero. */
static int await_waiters(int id, int num, int cmd, int count)
{
    for (int i = 0; i < 500; i++) {
        if (semctl(id, num, cmd) == count) return 1;
        msleep(10);
    }
    return 0;
}

static void on_usr1(int s) { (void)s; }

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int old = semget(KEY2, 0, 0);
    if (old >= 0) semctl(old, 0, IPC_RMID);

    printf("-- create\n");
    CHECK("semget nsems 0", semget(IPC_PRIVATE, 0, 0600));
    CHECK("semget nsems -1", semget(IPC_PRIVATE, -1, 0600));
    CHECK("semget too many", semget(IPC_PRIVATE, 100000, 0600));
    CHECK("semget unknown key", semget(KEY2, 1, 0600));
    int id = semget(IPC_PRIVATE, 3, 0640);
    TRUE("semget private", id >= 0);
    struct semid_ds ds;
    union semun u = {.buf = &ds};
    CHECK("IPC_STAT", semctl(id, 0, IPC_STAT, u));
    printf("nsems=%lu mode=%o uid_self=%d otime=%ld ctime_set=%d\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode,
           ds.sem_perm.uid == geteuid(), (long)ds.sem_otime, ds.sem_ctime > 0);

    printf("-- values\n");
    CHECK("GETVAL", semctl(id, 0, GETVAL));
    u.val = 5;
    CHECK("SETVAL 5", semctl(id, 0, SETVAL, u));
    CHECK("GETVAL", semctl(id, 0, GETVAL));
    TRUE("GETPID is self", semctl(id, 0, GETPID) == getpid());
    u.val = -1;
    CHECK("SETVAL -1", semctl(id, 0, SETVAL, u));
    u.val = 32768;
    CHECK("SETVAL 32768", semctl(id, 0, SETVAL, u));
    u.val = 1;
    CHECK("SETVAL semnum 3", semctl(id, 3, SETVAL, u));
    CHECK("GETVAL semnum -1", semctl(id, -1, GETVAL));
    unsigned short all[3] = {1, 2, 3};
    u.array = all;
    CHECK("SETALL", semctl(id, 0, SETALL, u));
    unsigned short got[3] = {0};
    u.array = got;
    CHECK("GETALL", semctl(id, 0, GETALL, u));
    printf("values: %d %d %d\n", got[0], got[1], got[2]);
    unsigned short bad[3] = {1, 40000, 1};
    u.array = bad;
    CHECK("SETALL out of range", semctl(id, 0, SETALL, u));
    u.array = (unsigned short *)1;
    CHECK("GETALL bad pointer", semctl(id, 0, GETALL, u));

    printf("-- semop\n");
    CHECK("decrement", op(id, 0, -1, 0));
    CHECK("GETVAL", semctl(id, 0, GETVAL));
    CHECK("below zero, IPC_NOWAIT", op(id, 0, -5, IPC_NOWAIT));
    CHECK("wait-for-zero, IPC_NOWAIT", op(id, 0, 0, IPC_NOWAIT));
    CHECK("up to SEMVMX", op(id, 0, 32767, 0));
    CHECK("past SEMVMX", op(id, 0, 1, 0));
    CHECK("sem_num out of range", op(id, 3, 1, 0));
    struct sembuf two[2] = {{0, -1, 0}, {1, -3, IPC_NOWAIT}};
    CHECK("atomic pair fails", semop(id, two, 2));
    CHECK("  first unchanged", semctl(id, 0, GETVAL));
    two[1].sem_op = -2;
    CHECK("atomic pair succeeds", semop(id, two, 2));
    printf("  values %d %d\n", semctl(id, 0, GETVAL), semctl(id, 1, GETVAL));
    CHECK("nsops 0", semop(id, two, 0));
    static struct sembuf many[501];
    CHECK("nsops 501", semop(id, many, 501));
    CHECK("bad pointer", semop(id, (struct sembuf *)1, 1));
    CHECK("bad id", op(-1, 0, 1, 0));
    struct timespec ts = {0, 50 * 1000 * 1000};
    struct sembuf dec = {2, -10, 0};
    CHECK("semtimedop times out", semtimedop(id, &dec, 1, &ts));
    ts.tv_nsec = 1000000000;
    CHECK("semtimedop bad timeout", semtimedop(id, &dec, 1, &ts));
    TRUE("otime set", (semctl(id, 0, IPC_STAT, (union semun){.buf = &ds}), ds.sem_otime > 0));

    printf("-- blocking\n");
    u.val = 0;
    semctl(id, 0, SETVAL, u);
    pid_t c = xfork();
    if (c == 0) {
        int r = op(id, 0, -2, 0);
        printf("  child decrement: %d, value now %d\n", r, semctl(id, 0, GETVAL));
        _exit(0);
    }
    TRUE("child waits (GETNCNT 1)", await_waiters(id, 0, GETNCNT, 1));
    CHECK("  GETZCNT", semctl(id, 0, GETZCNT));
    CHECK("increment by 1", op(id, 0, 1, 0));
    msleep(50);
    CHECK("  still waiting", semctl(id, 0, GETNCNT));
    int r = op(id, 0, 1, 0);
    reap("child", c); /* results printed after the child's lines: their order is not the test's */
    CHECK("increment by 1", r);

    u.val = 2;
    semctl(id, 1, SETVAL, u);
    c = xfork();
    if (c == 0) {
        int r = op(id, 1, 0, 0);
        printf("  child wait-for-zero: %d\n", r);
        _exit(0);
    }
    TRUE("child waits (GETZCNT 1)", await_waiters(id, 1, GETZCNT, 1));
    r = op(id, 1, -2, 0);
    reap("child", c);
    CHECK("decrement to 0", r);

    c = xfork();
    if (c == 0) {
        struct sigaction sa = {0};
        sa.sa_handler = on_usr1;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, NULL);
        errno = 0;
        int r = op(id, 2, -100, 0);
        printf("  child semop after signal: %d %s\n", r, errname(errno));
        _exit(0);
    }
    TRUE("child waits on 2", await_waiters(id, 2, GETNCNT, 1));
    kill(c, SIGUSR1);
    reap("child", c);
    CHECK("  no longer waiting", semctl(id, 2, GETNCNT));

    printf("-- SEM_UNDO\n");
    u.val = 2;
    semctl(id, 2, SETVAL, u);
    c = xfork();
    if (c == 0) {
        op(id, 2, 3, SEM_UNDO);
        op(id, 2, -1, SEM_UNDO);
        printf("  in child: %d\n", semctl(id, 2, GETVAL));
        _exit(0);
    }
    reap("child", c);
    CHECK("after exit", semctl(id, 2, GETVAL));
    c = xfork();
    if (c == 0) {
        op(id, 2, 5, SEM_UNDO);
        u.val = 10;
        semctl(id, 2, SETVAL, u); /* clears the adjustment */
        _exit(0);
    }
    reap("child", c);
    CHECK("SETVAL cleared the adjustment", semctl(id, 2, GETVAL));
    c = xfork();
    if (c == 0) {
        op(id, 2, -10, SEM_UNDO);
        u.val = 3;
        semctl(id, 2, SETVAL, u);
        op(id, 2, -3, SEM_UNDO);
        _exit(0);
    }
    reap("child", c);
    CHECK("undo clamps at SEMVMX/0 and adds back", semctl(id, 2, GETVAL));

    printf("-- keys and permissions\n");
    int k = semget(KEY2, 2, IPC_CREAT | IPC_EXCL | 0604);
    TRUE("create with key", k >= 0);
    CHECK("again IPC_EXCL", semget(KEY2, 2, IPC_CREAT | IPC_EXCL | 0604));
    TRUE("found", semget(KEY2, 1, 0) == k);
    CHECK("more sems than it has", semget(KEY2, 3, 0));
    c = xfork();
    if (c == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(9);
        CHECK("  nobody semget 0600", semget(KEY2, 0, 0600));
        CHECK("  nobody GETVAL", semctl(k, 0, GETVAL));
        CHECK("  nobody semop alter", op(k, 0, 1, IPC_NOWAIT));
        CHECK("  nobody semop wait-for-zero", op(k, 0, 0, IPC_NOWAIT));
        u.val = 1;
        CHECK("  nobody SETVAL", semctl(k, 0, SETVAL, u));
        CHECK("  nobody IPC_RMID", semctl(k, 0, IPC_RMID));
        _exit(0);
    }
    reap("nobody child", c);
    semctl(k, 0, IPC_STAT, (union semun){.buf = &ds});
    ds.sem_perm.mode = 0666;
    CHECK("IPC_SET", semctl(k, 0, IPC_SET, (union semun){.buf = &ds}));
    semctl(k, 0, IPC_STAT, (union semun){.buf = &ds});
    printf("mode now %o\n", ds.sem_perm.mode);
    CHECK("IPC_STAT bad pointer", semctl(k, 0, IPC_STAT, (union semun){.buf = (void *)1}));

    printf("-- removal\n");
    c = xfork();
    if (c == 0) {
        int r = op(k, 1, -1, 0);
        printf("  child semop on removed set: %d %s\n", r, errname(errno));
        _exit(0);
    }
    TRUE("child waits", await_waiters(k, 1, GETNCNT, 1));
    r = semctl(k, 0, IPC_RMID);
    reap("child", c);
    CHECK("IPC_RMID", r);
    CHECK("GETVAL after removal", semctl(k, 0, GETVAL));
    CHECK("key free", semget(KEY2, 0, 0));

    printf("-- info\n");
    struct seminfo si;
    int max = semctl(0, 0, IPC_INFO, (union semun){.__buf = &si});
    TRUE("IPC_INFO", max >= 0 && si.semvmx == 32767 && si.semmsl >= 3 && si.semopm >= 2 && si.semusz == 20);
    int max2 = semctl(0, 0, SEM_INFO, (union semun){.__buf = &si});
    TRUE("SEM_INFO", max2 == max && si.semusz >= 1 && si.semaem >= 3);
    int found = 0;
    for (int i = 0; i <= max; i++)
        if (semctl(i, 0, SEM_STAT, (union semun){.buf = &ds}) == id) found = ds.sem_nsems == 3;
    TRUE("SEM_STAT finds it", found);
    CHECK("bad command", semctl(id, 0, 99));
    CHECK("negative id", semctl(-1, 0, GETVAL));
    FILE *f = fopen("/proc/sysvipc/sem", "r");
    char line[256];
    if (f && fgets(line, sizeof line, f)) printf("header: %s", line);
    int listed = 0;
    while (f && fgets(line, sizeof line, f)) {
        int kk, ii;
        unsigned mode, n;
        if (sscanf(line, "%d %d %o %u", &kk, &ii, &mode, &n) == 4 && ii == id) listed = kk == 0 && mode == 0640 && n == 3;
    }
    if (f) fclose(f);
    TRUE("listed in /proc/sysvipc/sem", listed);
    CHECK("IPC_RMID", semctl(id, 0, IPC_RMID));
    return 0;
}

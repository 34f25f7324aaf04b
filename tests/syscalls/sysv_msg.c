/* System V message queues (msgget(2), msgop(2), msgctl(2)): typed messages, selection by
 * type (exact, MSG_EXCEPT, lowest at most |type|), MSG_NOERROR, MSG_COPY, IPC_NOWAIT, blocking
 * senders and receivers, signals, removal under a waiter, queue limits and the stat/info
 * commands. Only relations are printed; what is made is removed. */
#include "proc.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>

#define KEY3 0x5b7c0d33

struct m {
    long type;
    char text[64];
};

static int snd(int id, long type, const char *text, int flg)
{
    struct m b = {type, {0}};
    strncpy(b.text, text, sizeof b.text - 1);
    return msgsnd(id, &b, strlen(text), flg);
}

static void rcv(const char *what, int id, long type, size_t size, int flg)
{
    struct m b;
    memset(&b, 0, sizeof b);
    errno = 0;
    long r = msgrcv(id, &b, size, type, flg);
    if (r < 0) printf("%s: -1 %s\n", what, errname(errno));
    else printf("%s: %ld type=%ld text=%.*s\n", what, r, b.type, (int)r, b.text);
}

static struct msqid_ds st(int id)
{
    struct msqid_ds ds;
    memset(&ds, 0, sizeof ds);
    msgctl(id, IPC_STAT, &ds);
    return ds;
}

static void on_usr1(int s) { (void)s; }

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int old = msgget(KEY3, 0);
    if (old >= 0) msgctl(old, IPC_RMID, NULL);

    printf("-- create\n");
    CHECK("msgget unknown key", msgget(KEY3, 0600));
    int id = msgget(IPC_PRIVATE, 0640);
    TRUE("msgget private", id >= 0);
    struct msqid_ds ds = st(id);
    printf("mode=%o qnum=%lu cbytes=%lu qbytes_default=%d lspid=%d stime=%ld\n", ds.msg_perm.mode, (unsigned long)ds.msg_qnum,
           (unsigned long)ds.__msg_cbytes, ds.msg_qbytes > 0, ds.msg_lspid, (long)ds.msg_stime);

    printf("-- send and receive\n");
    CHECK("send type 0", snd(id, 0, "x", 0));
    CHECK("send negative type", snd(id, -3, "x", 0));
    CHECK("send too big", msgsnd(id, &(struct m){1, {0}}, 1 << 20, 0));
    CHECK("send bad pointer", msgsnd(id, (void *)1, 4, 0));
    CHECK("send 3 a", snd(id, 3, "a", 0));
    CHECK("send 1 bb", snd(id, 1, "bb", 0));
    CHECK("send 2 ccc", snd(id, 2, "ccc", 0));
    CHECK("send 1 dddd", snd(id, 1, "dddd", 0));
    CHECK("send 5 empty", snd(id, 5, "", 0));
    ds = st(id);
    printf("qnum=%lu cbytes=%lu lspid_self=%d stime_set=%d\n", (unsigned long)ds.msg_qnum, (unsigned long)ds.__msg_cbytes,
           ds.msg_lspid == getpid(), ds.msg_stime > 0);
    rcv("copy 1", id, 1, 64, MSG_COPY | IPC_NOWAIT);
    rcv("copy 9", id, 9, 64, MSG_COPY | IPC_NOWAIT);
    rcv("copy without IPC_NOWAIT", id, 0, 64, MSG_COPY);
    rcv("copy with MSG_EXCEPT", id, 0, 64, MSG_COPY | IPC_NOWAIT | MSG_EXCEPT);
    rcv("type 2", id, 2, 64, 0);
    rcv("type -2 (lowest <= 2)", id, -2, 64, 0);
    rcv("except 1", id, 1, 64, MSG_EXCEPT);
    rcv("too small", id, 1, 2, 0);
    rcv("too small, MSG_NOERROR", id, 1, 2, MSG_NOERROR);
    rcv("type 4, IPC_NOWAIT", id, 4, 64, IPC_NOWAIT);
    rcv("any", id, 0, 64, 0);
    rcv("empty, IPC_NOWAIT", id, 0, 64, IPC_NOWAIT);
    rcv("bad size", id, 0, (size_t)-1, IPC_NOWAIT);
    snd(id, 7, "lost", 0);
    rcv("bad buffer", (int)id, 0, 64, 0 * 0); /* consumes it normally */
    struct m *bad = (struct m *)1;
    snd(id, 7, "gone", 0);
    CHECK("receive to bad pointer", msgrcv(id, bad, 64, 0, 0));
    ds = st(id);
    printf("qnum=%lu cbytes=%lu lrpid_self=%d rtime_set=%d\n", (unsigned long)ds.msg_qnum, (unsigned long)ds.__msg_cbytes,
           ds.msg_lrpid == getpid(), ds.msg_rtime > 0);

    printf("-- blocking\n");
    pid_t c = xfork();
    if (c == 0) {
        rcv("  child receives type 9", id, 9, 64, 0);
        _exit(0);
    }
    msleep(100);
    snd(id, 8, "not-it", 0);
    snd(id, 9, "it", 0);
    reap("child", c);
    rcv("type 8 still there", id, 8, 64, IPC_NOWAIT);

    ds = st(id);
    ds.msg_qbytes = 8;
    CHECK("IPC_SET qbytes 8", msgctl(id, IPC_SET, &ds));
    printf("qbytes=%lu\n", (unsigned long)st(id).msg_qbytes);
    CHECK("send 5 bytes", snd(id, 1, "12345", 0));
    CHECK("send 5 more, IPC_NOWAIT", snd(id, 1, "67890", IPC_NOWAIT));
    c = xfork();
    if (c == 0) {
        int r = snd(id, 1, "67890", 0);
        printf("  child send after room: %d\n", r);
        _exit(0);
    }
    msleep(100);
    struct m room;
    long got = msgrcv(id, &room, 64, 0, 0);
    reap("child", c); /* printed after the child's line: its order is not the test's */
    printf("made room: %ld\n", got);
    rcv("child's message", id, 0, 64, IPC_NOWAIT);
    ds.msg_qbytes = 1 << 30;
    c = xfork();
    if (c == 0) {
        if (setuid(65534) != 0) _exit(9);
        CHECK("  nobody IPC_SET", msgctl(id, IPC_SET, &ds));
        _exit(0);
    }
    reap("nobody child", c);

    c = xfork();
    if (c == 0) {
        struct sigaction sa = {0};
        sa.sa_handler = on_usr1;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, NULL);
        rcv("  child receive after signal", id, 0, 64, 0);
        _exit(0);
    }
    msleep(100);
    kill(c, SIGUSR1);
    reap("child", c);

    printf("-- keys and permissions\n");
    int k = msgget(KEY3, IPC_CREAT | IPC_EXCL | 0620);
    TRUE("create with key", k >= 0);
    CHECK("again IPC_EXCL", msgget(KEY3, IPC_CREAT | IPC_EXCL | 0600));
    TRUE("found", msgget(KEY3, 0) == k);
    c = xfork();
    if (c == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(9);
        CHECK("  nobody msgget 0600", msgget(KEY3, 0600));
        CHECK("  nobody send", snd(k, 1, "x", IPC_NOWAIT));
        rcv("  nobody receive", k, 0, 64, IPC_NOWAIT);
        struct msqid_ds d;
        CHECK("  nobody IPC_STAT", msgctl(k, IPC_STAT, &d));
        CHECK("  nobody IPC_RMID", msgctl(k, IPC_RMID, NULL));
        _exit(0);
    }
    reap("nobody child", c);

    printf("-- removal\n");
    c = xfork();
    if (c == 0) {
        rcv("  child receive on removed queue", k, 0, 64, 0);
        _exit(0);
    }
    msleep(100);
    int rm = msgctl(k, IPC_RMID, NULL);
    reap("child", c);
    CHECK("IPC_RMID", rm);
    CHECK("IPC_STAT after removal", msgctl(k, IPC_STAT, &ds));
    CHECK("key free", msgget(KEY3, 0));

    printf("-- info\n");
    struct msginfo mi;
    int max = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
    TRUE("IPC_INFO", max >= 0 && mi.msgmax >= 64 && mi.msgmnb >= 64 && mi.msgssz == 16 && mi.msgseg == (unsigned short)0xffff);
    int max2 = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi);
    TRUE("MSG_INFO", max2 == max && mi.msgpool >= 1);
    int found = 0;
    for (int i = 0; i <= max; i++)
        if (msgctl(i, MSG_STAT, &ds) == id) found = ds.msg_qbytes == 8;
    TRUE("MSG_STAT finds it", found);
    CHECK("bad command", msgctl(id, 99, &ds));
    CHECK("IPC_STAT bad pointer", msgctl(id, IPC_STAT, (void *)1));
    FILE *f = fopen("/proc/sysvipc/msg", "r");
    char line[256];
    if (f && fgets(line, sizeof line, f)) printf("header: %s", line);
    int listed = 0;
    snd(id, 4, "four", 0);
    fclose(f);
    f = fopen("/proc/sysvipc/msg", "r");
    while (f && fgets(line, sizeof line, f)) {
        int kk, ii;
        unsigned mode;
        unsigned long cb, qn;
        if (sscanf(line, "%d %d %o %lu %lu", &kk, &ii, &mode, &cb, &qn) == 5 && ii == id) listed = kk == 0 && mode == 0640 && cb == 4 && qn == 1;
    }
    if (f) fclose(f);
    TRUE("listed in /proc/sysvipc/msg", listed);
    CHECK("IPC_RMID", msgctl(id, IPC_RMID, NULL));
    return 0;
}

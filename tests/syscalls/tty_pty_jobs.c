/* Controlling terminals and job control on a pseudo-terminal: acquiring one by open and by
 * TIOCSCTTY, /dev/tty, the foreground group, signal characters, background reads and
 * writes (SIGTTIN/SIGTTOU), TIOCNOTTY, and the hangup a closed master causes. */
#include "tty.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static volatile sig_atomic_t got[65];
static void on_sig(int s) { got[s]++; }

static void catch(int s)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_sig; /* no SA_RESTART: interrupted calls fail with EINTR */
    sigaction(s, &sa, NULL);
}

static int m;
static char name[64];

/* Runs `fn` in a child that is a session leader; reports how it ended. */
static void in_session(const char *what, int (*fn)(int sync), int (*parent)(int pid, int sync))
{
    int p[2];
    pipe(p);
    int pid = fork();
    if (pid == 0) {
        close(p[0]);
        close(m); /* only the parent holds the master */
        setsid();
        _exit(fn(p[1]));
    }
    close(p[1]);
    char c;
    read(p[0], &c, 1); /* the child is ready */
    int rc = parent ? parent(pid, p[0]) : 0;
    int st;
    waitpid(pid, &st, 0);
    close(p[0]);
    printf("%s: %s %d parent=%d\n", what, WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), rc);
}

static int ready(int sync) { char c = 'r'; write(sync, &c, 1); return 0; }

static int no_ctty(int sync)
{
    errno = 0;
    int fd = open("/dev/tty", O_RDWR);
    printf("  /dev/tty without ctty: %s\n", fd < 0 ? errname(errno) : "opened");
    int s = open(name, O_RDWR | O_NOCTTY);
    printf("  O_NOCTTY open: tcgetsid=%s\n", tcgetsid(s) < 0 ? errname(errno) : "set");
    errno = 0;
    printf("  TIOCSCTTY: %d %s\n", ioctl(s, TIOCSCTTY, 0), errname(errno));
    printf("  tcgetsid is self: %d\n", tcgetsid(s) == getpid());
    printf("  tcgetpgrp is self: %d\n", tcgetpgrp(s) == getpid());
    printf("  TIOCSCTTY again: %d\n", ioctl(s, TIOCSCTTY, 0));
    int t = open("/dev/tty", O_RDWR);
    printf("  /dev/tty with ctty: %s\n", t >= 0 ? "opened" : errname(errno));
    struct termios tio;
    printf("  /dev/tty tcgetattr: %d\n", tcgetattr(t, &tio));
    close(t);
    /* a child of the session leader is not a leader: TIOCSCTTY is EPERM, tcsetpgrp to itself works */
    int c = fork();
    if (c == 0) {
        errno = 0;
        int r = ioctl(s, TIOCSCTTY, 0);
        printf("  child TIOCSCTTY: %d %s\n", r, errname(errno));
        setpgid(0, 0);
        signal(SIGTTOU, SIG_IGN);
        r = tcsetpgrp(s, getpid());
        printf("  child tcsetpgrp: %d fg-is-child=%d\n", r, tcgetpgrp(s) == getpid());
        errno = 0;
        r = tcsetpgrp(s, 999999);
        printf("  tcsetpgrp to no group: %d %s\n", r, errname(errno));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    errno = 0;
    int r = tcsetpgrp(s, getpid());
    printf("  fg back to leader, group orphaned: %d %s\n", r, errname(errno));
    ready(sync);
    return 0;
}

static int open_acquires(int sync)
{
    int s = open(name, O_RDWR);
    printf("  plain open: tcgetsid is self=%d\n", tcgetsid(s) == getpid());
    catch(SIGINT);
    catch(SIGQUIT);
    catch(SIGTSTP);
    catch(SIGWINCH);
    ready(sync);
    /* the parent types ^C ^\ ^Z and resizes */
    for (int i = 0; i < 300 && !(got[SIGINT] && got[SIGQUIT] && got[SIGTSTP] && got[SIGWINCH]); i++)
        usleep(10000);
    printf("  signals: int=%d quit=%d tstp=%d winch=%d\n", got[SIGINT], got[SIGQUIT], got[SIGTSTP], got[SIGWINCH]);
    /* input typed before ^C was flushed; after it, reading works */
    int avail = -1;
    ioctl(s, FIONREAD, &avail);
    printf("  after signals: fionread=%d\n", avail);
    return 0;
}

static int type_signals(int pid, int sync)
{
    (void)pid; (void)sync;
    write(m, "x\x03", 2);
    usleep(50000);
    write(m, "\x1c", 1);
    usleep(50000);
    write(m, "\x1a", 1);
    usleep(50000);
    struct winsize ws = { 30, 100, 0, 0 };
    ioctl(m, TIOCSWINSZ, &ws);
    char buf[64];
    int n = tty_read_some(m, buf, 7);
    tty_show("  echo of signal characters", buf, n);
    return 0;
}

static int background(int sync)
{
    int s = open(name, O_RDWR);
    int c = fork();
    if (c == 0) {
        setpgid(0, 0); /* a background job of this session */
        catch(SIGTTIN);
        char b;
        errno = 0;
        int r = read(s, &b, 1);
        printf("  bg read: %d %s ttin=%d\n", r, errname(errno), got[SIGTTIN]);
        signal(SIGTTIN, SIG_IGN);
        errno = 0;
        r = read(s, &b, 1);
        printf("  bg read, SIGTTIN ignored: %d %s\n", r, errname(errno));
        errno = 0;
        r = write(s, "w", 1);
        printf("  bg write without TOSTOP: %d\n", r);
        struct termios t;
        tcgetattr(s, &t);
        catch(SIGTTOU);
        t.c_lflag |= TOSTOP;
        errno = 0;
        r = tcsetattr(s, TCSANOW, &t);
        printf("  bg tcsetattr: %d %s ttou=%d\n", r, errname(errno), got[SIGTTOU]);
        signal(SIGTTOU, SIG_IGN);
        r = tcsetattr(s, TCSANOW, &t);
        printf("  bg tcsetattr, SIGTTOU ignored: %d\n", r);
        catch(SIGTTOU);
        got[SIGTTOU] = 0;
        errno = 0;
        r = write(s, "w", 1);
        printf("  bg write with TOSTOP: %d %s ttou=%d\n", r, errname(errno), got[SIGTTOU]);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTTOU);
        sigprocmask(SIG_BLOCK, &set, NULL);
        r = write(s, "w", 1);
        printf("  bg write, SIGTTOU blocked: %d\n", r);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    /* an orphaned background group: reads give EIO */
    int done[2];
    pipe(done);
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        int g = fork();
        if (g == 0) {
            usleep(100000); /* the parent is gone: this group is orphaned */
            char b;
            errno = 0;
            int r = read(s, &b, 1);
            printf("  orphaned bg read: %d %s\n", r, errname(errno));
            write(done[1], "d", 1);
            _exit(0);
        }
        _exit(0);
    }
    waitpid(c, NULL, 0);
    close(done[1]);
    char d;
    read(done[0], &d, 1); /* the orphan has read */
    ready(sync);
    return 0;
}

static int notty(int sync)
{
    int s = open(name, O_RDWR);
    catch(SIGHUP);
    catch(SIGCONT);
    int c = fork();
    if (c == 0) {
        printf("  child TIOCNOTTY: %d\n", ioctl(s, TIOCNOTTY));
        errno = 0;
        int r = tcgetsid(s);
        printf("  child tcgetsid after: %d %s\n", r, errname(errno));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("  leader still has it: %d\n", tcgetsid(s) == getpid());
    int r = ioctl(s, TIOCNOTTY);
    printf("  leader TIOCNOTTY: %d hup=%d cont=%d\n", r, got[SIGHUP], got[SIGCONT]);
    errno = 0;
    r = tcgetsid(s);
    printf("  leader tcgetsid after: %d %s\n", r, errname(errno));
    errno = 0;
    r = open("/dev/tty", O_RDWR);
    printf("  /dev/tty after: %d %s\n", r, errname(errno));
    ready(sync);
    return 0;
}

static int hangup(int sync)
{
    int s = open(name, O_RDWR);
    catch(SIGHUP);
    catch(SIGCONT);
    ready(sync);
    char b;
    errno = 0;
    int r = read(s, &b, 1); /* the parent closes the master */
    printf("  read across hangup: %d %s\n", r, errname(errno));
    while (!got[SIGHUP]) usleep(10000);
    printf("  hup=%d cont=%d\n", got[SIGHUP], got[SIGCONT]);
    errno = 0;
    r = open("/dev/tty", O_RDWR);
    printf("  /dev/tty after hangup: %d %s\n", r, errname(errno));
    return 0;
}

static int close_master(int pid, int sync)
{
    (void)pid; (void)sync;
    usleep(100000);
    close(m);
    return 0;
}

static void new_pair(void)
{
    m = posix_openpt(O_RDWR | O_NOCTTY);
    grantpt(m);
    unlockpt(m);
    strcpy(name, ptsname(m));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    new_pair();
    in_session("no ctty, then TIOCSCTTY", no_ctty, NULL);
    close(m);
    new_pair();
    in_session("open acquires, signal characters", open_acquires, type_signals);
    close(m);
    new_pair();
    in_session("background jobs", background, NULL);
    close(m);
    new_pair();
    in_session("TIOCNOTTY", notty, NULL);
    close(m);
    new_pair();
    in_session("hangup", hangup, close_master);
    /* not the session leader, no controlling terminal: TIOCSCTTY is EPERM */
    new_pair();
    int s = open(name, O_RDWR | O_NOCTTY);
    int c = fork();
    if (c == 0) {
        setsid();
        if (fork() == 0) {
            errno = 0;
            int r = ioctl(s, TIOCSCTTY, 0);
            printf("non-leader TIOCSCTTY: %d %s\n", r, errname(errno));
            _exit(0);
        }
        wait(NULL);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}

/* A pseudo-terminal pair: opening, termios defaults, canonical editing and echo, output
 * processing, raw mode with VMIN/VTIME, window size, FIONREAD, packet mode, hangups. */
#include "tty.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    TRUE("openpt", m >= 0);
    TRUE("master isatty", isatty(m));
    int n = -1;
    CHECK("TIOCGPTN", ioctl(m, TIOCGPTN, &n));
    char *name = ptsname(m);
    char expect[32];
    snprintf(expect, sizeof expect, "/dev/pts/%d", n);
    TRUE("ptsname", name && strcmp(name, expect) == 0);
    int lock = -1;
    CHECK("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lock));
    printf("locked: %d\n", lock);
    CHECK("open locked replica", open(name, O_RDWR | O_NOCTTY));
    char c;
    fcntl(m, F_SETFL, O_NONBLOCK);
    CHECK("master read before replica", read(m, &c, 1));
    fcntl(m, F_SETFL, 0);
    struct pollfd pm = { m, POLLIN | POLLOUT, 0 };
    poll(&pm, 1, 0);
    printf("master poll before replica: hup=%d\n", !!(pm.revents & POLLHUP));
    CHECK("grantpt", grantpt(m));
    CHECK("unlockpt", unlockpt(m));
    int s = open(name, O_RDWR | O_NOCTTY);
    TRUE("open replica", s >= 0);
    TRUE("replica isatty", isatty(s));
    struct stat st;
    fstat(s, &st);
    printf("replica: chr=%d major=%u minor_is_ptn=%d\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev) == (unsigned)n);
    char *tn = ttyname(s);
    TRUE("ttyname", tn && strcmp(tn, name) == 0);
    CHECK("TIOCGPTN on replica", ioctl(s, TIOCGPTN, &n));
    CHECK("tcgetpgrp without ctty", tcgetpgrp(s));

    struct termios t;
    tcgetattr(s, &t);
    printf("iflag=%#o oflag=%#o lflag=%#o csize_cread=%#o\n", t.c_iflag, t.c_oflag, t.c_lflag, t.c_cflag & (CSIZE | CREAD));
    printf("cc:");
    for (int i = 0; i < 17; i++) printf(" %d", t.c_cc[i]);
    printf("\n");
    struct termios tm;
    tcgetattr(m, &tm);
    TRUE("master termios is the replica's", tm.c_lflag == t.c_lflag && tm.c_iflag == t.c_iflag);

    char buf[256];
    /* canonical input and echo */
    write(m, "abc\n", 4);
    int r = read(s, buf, sizeof buf);
    tty_show("read line", buf, r);
    tty_expect("echo", m, 5);
    write(m, "ab\x7f" "c\n", 5);
    r = read(s, buf, sizeof buf);
    tty_show("erase", buf, r);
    tty_expect("erase echo", m, 9);
    write(m, "xyz\x15ok\n", 7);
    r = read(s, buf, sizeof buf);
    tty_show("kill", buf, r);
    tty_expect("kill echo", m, 30);
    write(m, "one two\x17three\n", 14);
    r = read(s, buf, sizeof buf);
    tty_show("werase", buf, r);
    tty_expect("werase echo", m, 40);
    write(m, "\x04", 1);
    r = read(s, buf, sizeof buf);
    printf("eof read: %d\n", r);
    write(m, "hi\x04", 3);
    r = read(s, buf, sizeof buf);
    tty_show("eof mid-line", buf, r);
    tty_expect("eof echo", m, 10);
    write(m, "long line\n", 10);
    r = read(s, buf, 4);
    tty_show("short read 1", buf, r);
    r = read(s, buf, sizeof buf);
    tty_show("short read 2", buf, r);
    tty_expect("echo", m, 20);
    write(m, "\r", 1);
    r = read(s, buf, sizeof buf);
    tty_show("icrnl", buf, r);
    tty_expect("echo", m, 20);
    /* FIONREAD counts complete lines only */
    write(m, "part", 4);
    tty_expect("echo", m, 4);
    int avail = -1;
    ioctl(s, FIONREAD, &avail);
    printf("fionread partial: %d\n", avail);
    write(m, "\n", 1);
    tty_expect("echo", m, 2);
    ioctl(s, FIONREAD, &avail);
    printf("fionread line: %d\n", avail);
    r = read(s, buf, sizeof buf);
    tty_show("read", buf, r);

    /* output processing */
    write(s, "x\ny\n", 4);
    tty_expect("onlcr", m, 6);
    int q = -1;
    ioctl(m, FIONREAD, &q);
    printf("master fionread empty: %d\n", q);

    /* echo off */
    struct termios raw = t;
    raw.c_lflag &= ~ECHO;
    tcsetattr(s, TCSANOW, &raw);
    write(m, "secret\n", 7);
    r = read(s, buf, sizeof buf);
    tty_show("noecho read", buf, r);
    TRUE("noecho quiet", tty_quiet(m));
    raw.c_lflag |= ECHONL;
    tcsetattr(s, TCSANOW, &raw);
    write(m, "x\n", 2);
    read(s, buf, sizeof buf);
    tty_expect("echonl", m, 4);

    /* raw mode */
    cfmakeraw(&raw);
    tcsetattr(s, TCSANOW, &raw);
    tcgetattr(s, &raw);
    printf("raw: iflag=%#o oflag=%#o lflag=%#o min=%d time=%d\n", raw.c_iflag, raw.c_oflag, raw.c_lflag, raw.c_cc[VMIN], raw.c_cc[VTIME]);
    write(m, "a\rb\x03", 4);
    r = tty_read_some(s, buf, 4);
    tty_show("raw read", buf, r);
    TRUE("raw no echo", tty_quiet(m));
    write(s, "p\nq", 3);
    tty_expect("raw output", m, 3);
    raw.c_cc[VMIN] = 0; raw.c_cc[VTIME] = 0;
    tcsetattr(s, TCSANOW, &raw);
    printf("vmin0 vtime0: %zd\n", read(s, buf, sizeof buf));
    raw.c_cc[VTIME] = 1;
    tcsetattr(s, TCSANOW, &raw);
    printf("vmin0 vtime1: %zd\n", read(s, buf, sizeof buf));
    raw.c_cc[VMIN] = 3; raw.c_cc[VTIME] = 0;
    tcsetattr(s, TCSANOW, &raw);
    write(m, "12345", 5);
    usleep(50000);
    r = read(s, buf, 2);
    tty_show("vmin3 read 2", buf, r);
    r = read(s, buf, sizeof buf);
    tty_show("vmin3 rest", buf, r);
    fcntl(s, F_SETFL, O_NONBLOCK);
    CHECK("raw nonblock empty", read(s, buf, sizeof buf));
    fcntl(s, F_SETFL, 0);
    /* back to canonical: typed but unread input of raw mode is readable */
    tcsetattr(s, TCSANOW, &t);

    /* window size: set through the master, seen through the replica */
    struct winsize ws = { 24, 80, 0, 0 }, got;
    CHECK("TIOCSWINSZ", ioctl(m, TIOCSWINSZ, &ws));
    CHECK("TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &got));
    printf("winsize: %d x %d\n", got.ws_row, got.ws_col);

    /* flush */
    write(m, "junk\n", 5);
    tty_expect("echo", m, 6);
    CHECK("tcflush", tcflush(s, TCIFLUSH));
    ioctl(s, FIONREAD, &avail);
    printf("after flush: %d\n", avail);
    CHECK("tcflush bad", ioctl(s, TCFLSH, 7));
    CHECK("tcdrain", tcdrain(s));
    CHECK("unknown ioctl", ioctl(s, 0x54ff, 0));

    /* packet mode */
    int one = 1;
    CHECK("TIOCPKT", ioctl(m, TIOCPKT, &one));
    write(s, "z", 1);
    tty_expect("packet", m, 2);
    one = 0;
    ioctl(m, TIOCPKT, &one);

    /* closing the replica: the master reads EIO once drained */
    write(s, "bye", 3);
    close(s);
    r = tty_read_some(m, buf, 3);
    tty_show("drain", buf, r);
    CHECK("master read after close", read(m, buf, 1));
    pm.revents = 0;
    poll(&pm, 1, 0);
    printf("master poll after close: hup=%d\n", !!(pm.revents & POLLHUP));

    /* closing the master: the replica reads end of file, writes fail */
    int s2 = open(name, O_RDWR | O_NOCTTY);
    TRUE("reopen replica", s2 >= 0);
    close(m);
    CHECK("replica read after hangup", read(s2, buf, 1));
    CHECK("replica write after hangup", write(s2, "x", 1));
    CHECK("replica ioctl after hangup", tcgetattr(s2, &t));
    struct pollfd ps = { s2, POLLIN, 0 };
    poll(&ps, 1, 0);
    printf("replica poll after hangup: in=%d hup=%d\n", !!(ps.revents & POLLIN), !!(ps.revents & POLLHUP));
    close(s2);
    CHECK("open gone replica", open(name, O_RDWR | O_NOCTTY));
    return 0;
}

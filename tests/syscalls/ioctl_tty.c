/* ioctl(2) on non-terminals: TCGETS/TIOCGWINSZ give ENOTTY; FIONREAD, FIOCLEX, FIONBIO. */
#include "common.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

int main(void)
{
    struct termios t;
    struct winsize ws;
    int n = open("/dev/null", O_RDWR);
    CHECK("TCGETS /dev/null", ioctl(n, TCGETS, &t));
    CHECK("TIOCGWINSZ /dev/null", ioctl(n, TIOCGWINSZ, &ws));
    CHECK("TCGETS stdin", ioctl(0, TCGETS, &t));
    CHECK("TCGETS stdout pipe", ioctl(1, TCGETS, &t));
    CHECK("TIOCGWINSZ stdout pipe", ioctl(1, TIOCGWINSZ, &ws));
    CHECK("TIOCGPGRP stdout pipe", ioctl(1, TIOCGPGRP, &ws));
    CHECK("isatty(1)", isatty(1));
    CHECK("isatty(0)", isatty(0));
    int avail = -1;
    CHECK("FIONREAD /dev/null", ioctl(n, FIONREAD, &avail));

    int f = open("/etc/passwd", O_RDONLY);
    struct stat st;
    fstat(f, &st);
    lseek(f, 10, SEEK_SET);
    CHECK("FIONREAD regular file", ioctl(f, FIONREAD, &avail));
    TRUE("FIONREAD == size - pos", avail == st.st_size - 10);
    CHECK("TCGETS regular file", ioctl(f, TCGETS, &t));
    CHECK("FIOCLEX", ioctl(f, FIOCLEX));
    CHECK("F_GETFD after FIOCLEX", fcntl(f, F_GETFD));
    CHECK("FIONCLEX", ioctl(f, FIONCLEX));
    CHECK("F_GETFD after FIONCLEX", fcntl(f, F_GETFD));
    int on = 1;
    CHECK("FIONBIO on", ioctl(n, FIONBIO, &on));
    CHECK("O_NONBLOCK set", (fcntl(n, F_GETFL) & O_NONBLOCK) != 0);
    on = 0;
    CHECK("FIONBIO off", ioctl(n, FIONBIO, &on));
    CHECK("O_NONBLOCK clear", (fcntl(n, F_GETFL) & O_NONBLOCK) != 0);
    CHECK("FIONREAD bad pointer", ioctl(f, FIONREAD, BAD_PTR));
    CHECK("unknown request on file", ioctl(f, 0x12345678, 0));
    CHECK("unknown request on /dev/null", ioctl(n, 0x12345678, 0));
    CHECK("ebadf", ioctl(1000, TCGETS, &t));
    close(f);
    close(n);
    return 0;
}

/* sandbox-portfwd PORT: runs in a microvm pod's VM (in a helper container that shares the
 * VM's network namespace with the pod's containers). Brings the loopback interface up,
 * connects to 127.0.0.1:PORT and relays stdin to the connection and the connection to
 * stdout, which the CRI server carries to and from a port-forward stream. Exit status: 0 when
 * the connection ended, 1 (with the reason on stderr) when it could not be made.
 * Static, so it needs nothing from the directory it runs in. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) return;
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &r) == 0 && !(r.ifr_flags & IFF_UP)) {
        r.ifr_flags |= IFF_UP | IFF_RUNNING;
        ioctl(s, SIOCSIFFLAGS, &r);
    }
    close(s);
}

static int write_all(int fd, const char *p, ssize_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long port = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
    if (port < 1 || port > 65535) {
        fprintf(stderr, "usage: sandbox-portfwd PORT (1..65535)\n");
        return 2;
    }
    loopback_up();
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0) {
        fprintf(stderr, "connect to port %ld in the pod: %s\n", port, strerror(errno));
        return 1;
    }
    struct pollfd f[2] = { { .fd = 0, .events = POLLIN }, { .fd = c, .events = POLLIN } };
    char buf[65536];
    for (;;) {
        if (poll(f, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        if (f[0].revents) {
            ssize_t n = read(0, buf, sizeof buf);
            if (n > 0) {
                if (write_all(c, buf, n) != 0) return 0;
            } else if (n == 0 || errno != EINTR) {
                shutdown(c, SHUT_WR); /* the client is done sending */
                f[0].fd = -1;
            }
        }
        if (f[1].revents) {
            ssize_t n = read(c, buf, sizeof buf);
            if (n > 0) {
                if (write_all(1, buf, n) != 0) return 0;
            } else if (n == 0 || errno != EINTR) {
                return 0; /* the server in the pod closed the connection */
            }
        }
    }
}

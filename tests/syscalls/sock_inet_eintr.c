/* Blocking accept, recv and connect-less recvfrom interrupted by a signal: EINTR without
 * SA_RESTART, restarted with it; SO_RCVTIMEO ends a wait with EAGAIN. */
#include "inet.h"
#include <signal.h>
#include <sys/time.h>

static void on_alarm(int sig) { (void)sig; }

static void arm(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 100000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
    int l = tcp_listener4(0);
    arm(0);
    CHECK("accept interrupted", accept(l, NULL, NULL));
    int c = tcp_connect4(port_of(l));
    int a = accept(l, NULL, NULL);
    char b[8];
    arm(0);
    CHECK("recv interrupted", recv(a, b, sizeof b, 0));
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in z = lo4(0);
    bind(u, (struct sockaddr *)&z, sizeof z);
    arm(0);
    CHECK("udp recvfrom interrupted", recvfrom(u, b, sizeof b, 0, NULL, NULL));
    struct timeval tv = { 0, 100000 };
    setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECK("recv with SO_RCVTIMEO", recv(a, b, sizeof b, 0));
    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECK("accept with SO_RCVTIMEO", accept(l, NULL, NULL));
    /* SA_RESTART with a timeout: EINTR all the same (sock_intr_errno). */
    tv.tv_usec = 500000;
    setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    arm(1);
    CHECK("recv with timeout, SA_RESTART", recv(a, b, sizeof b, 0));
    close(c);
    return 0;
}

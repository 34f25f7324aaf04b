/* shutdown(2) on TCP: SHUT_WR sends EOF but keeps receiving, SHUT_RD ends reads, errors. */
#include "inet.h"
#include <signal.h>

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    int l = tcp_listener4(0);
    int c = tcp_connect4(port_of(l));
    int s = accept(l, NULL, NULL);
    char b[16];
    CHECK("shutdown bad how", shutdown(c, 7));
    CHECK("client SHUT_WR", shutdown(c, SHUT_WR));
    CHECK("server reads EOF", read(s, b, sizeof b));
    CHECK("server reads EOF again", read(s, b, sizeof b));
    CHECK("server writes", write(s, "after", 5));
    CHECK("client still reads", read(c, b, sizeof b));
    CHECK("client write after SHUT_WR", write(c, "x", 1));
    CHECK("server SHUT_RD", shutdown(s, SHUT_RD));
    CHECK("server read after SHUT_RD", read(s, b, sizeof b));
    CHECK("server SHUT_RDWR", shutdown(s, SHUT_RDWR));
    CHECK("client reads EOF", read(c, b, sizeof b));
    CHECK("server write after SHUT_RDWR", write(s, "x", 1));
    CHECK("shutdown twice", shutdown(s, SHUT_RDWR));
    int u = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("shutdown unconnected", shutdown(u, SHUT_RDWR));
    CHECK("shutdown listener", shutdown(l, SHUT_RD));
    int d = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("udp shutdown unconnected", shutdown(d, SHUT_WR));
    struct sockaddr_in to = lo4(9);
    connect(d, (struct sockaddr *)&to, sizeof to);
    CHECK("udp shutdown connected", shutdown(d, SHUT_WR));
    CHECK("udp send after SHUT_WR", send(d, "x", 1, 0));
    return 0;
}

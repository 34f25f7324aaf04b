/* TCP peer gone: a reset answers the first write after close, then EPIPE and SIGPIPE;
 * closing with unread data resets the connection (ECONNRESET). */
#include "inet.h"
#include <signal.h>
#include <sys/wait.h>

static volatile int pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }

int main(void)
{
    int l = tcp_listener4(0);
    int c = tcp_connect4(port_of(l));
    int a = accept(l, NULL, NULL);
    close(a);
    usleep(20000);
    char b[8];
    CHECK("read EOF", read(c, b, sizeof b));
    signal(SIGPIPE, on_pipe);
    CHECK("first write (peer answers with RST)", write(c, "x", 1));
    usleep(50000);
    CHECK("second write", write(c, "x", 1));
    printf("SIGPIPE count: %d\n", pipes);
    CHECK("MSG_NOSIGNAL", send(c, "x", 1, MSG_NOSIGNAL));
    printf("SIGPIPE count: %d\n", pipes);
    CHECK("read after reset", read(c, b, sizeof b));

    /* Default action kills. */
    signal(SIGPIPE, SIG_DFL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        write(c, "x", 1);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child: signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);

    /* Close with unread data: the peer sees ECONNRESET. */
    int c2 = tcp_connect4(port_of(l));
    int a2 = accept(l, NULL, NULL);
    write(c2, "unread", 6);
    usleep(20000);
    close(a2);
    usleep(20000);
    CHECK("read after reset by close", read(c2, b, sizeof b));
    CHECK("read again", read(c2, b, sizeof b));
    int err = -1;
    socklen_t len = sizeof err;
    getsockopt(c2, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR: %s\n", errname(err));

    /* SO_LINGER 0: close resets at once. */
    int c3 = tcp_connect4(port_of(l));
    int a3 = accept(l, NULL, NULL);
    struct linger lg = { 1, 0 };
    setsockopt(a3, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(a3);
    usleep(20000);
    CHECK("read after linger-0 close", read(c3, b, sizeof b));

    /* Writing on a socket never connected. */
    signal(SIGPIPE, SIG_IGN);
    int u = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("write unconnected", write(u, "x", 1));
    CHECK("read unconnected", read(u, b, 1));
    return 0;
}

/* SA_NODEFER: the handler's own signal is not blocked while it runs, so it recurses;
 * sa_mask still applies. */
#include "proc.h"

static volatile int depth, maxdepth, calls;
static void h(int s)
{
    depth++;
    calls++;
    if (depth > maxdepth)
        maxdepth = depth;
    if (calls < 4)
        raise(s);
    depth--;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("SA_NODEFER: calls=%d maxdepth=%d\n", calls, maxdepth);
    depth = maxdepth = calls = 0;
    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("default: calls=%d maxdepth=%d\n", calls, maxdepth);
    /* SA_NODEFER with the signal in sa_mask: sa_mask wins, it stays blocked */
    depth = maxdepth = calls = 0;
    sa.sa_flags = SA_NODEFER;
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaction(SIGHUP, &sa, NULL);
    raise(SIGHUP);
    printf("NODEFER + in sa_mask: calls=%d maxdepth=%d\n", calls, maxdepth);
    return 0;
}

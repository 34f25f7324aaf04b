/* SA_ONSTACK with sigaltstack: the handler's frame is on the alternate stack, SS_ONSTACK
 * is reported inside it, and the stack cannot be changed while on it. */
#include "proc.h"

static char altstack[64 * 1024] __attribute__((aligned(16)));
static volatile int on_alt, flags_onstack, change_err, calls, nested_on_alt;
static void h(int s)
{
    char local;
    calls++;
    uintptr_t a = (uintptr_t)&local;
    on_alt = a >= (uintptr_t)altstack && a < (uintptr_t)altstack + sizeof altstack;
    stack_t cur;
    sigaltstack(NULL, &cur);
    flags_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
    stack_t ns = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    change_err = sigaltstack(&ns, NULL) == -1 ? errno : 0;
    if (s == SIGUSR1)
        raise(SIGUSR2); /* nested while on the alt stack: stays on it */
}
static void h2(int s)
{
    (void)s;
    char local;
    uintptr_t a = (uintptr_t)&local;
    nested_on_alt = a >= (uintptr_t)altstack && a < (uintptr_t)altstack + sizeof altstack;
}

static volatile int deep_ok;
static void hsegv(int s)
{
    (void)s;
    char local;
    uintptr_t a = (uintptr_t)&local;
    deep_ok = a >= (uintptr_t)altstack && a < (uintptr_t)altstack + sizeof altstack;
    _exit(deep_ok ? 0 : 1);
}
static int (*volatile recurse_p)(int);
static int recurse(int n)
{
    volatile char buf[1024];
    buf[0] = (char)n;
    return recurse_p(n + 1) + buf[0];
}

int main(void)
{
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    CHECK("sigaltstack", sigaltstack(&ss, NULL));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = h2;
    sa.sa_flags = 0; /* no SA_ONSTACK, but already on it */
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR1);
    printf("SA_ONSTACK: calls=%d on alt stack=%d SS_ONSTACK reported=%d change while on it=%s nested stays on alt=%d\n", calls,
           on_alt, flags_onstack, errname(change_err), nested_on_alt);
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("after return: SS_ONSTACK=%d\n", (cur.ss_flags & SS_ONSTACK) != 0);
    /* without SA_ONSTACK the handler runs on the normal stack */
    sa.sa_handler = h;
    sa.sa_flags = 0;
    sigaction(SIGHUP, &sa, NULL);
    raise(SIGHUP);
    printf("no SA_ONSTACK: on alt stack=%d SS_ONSTACK reported=%d\n", on_alt, flags_onstack);
    /* disabled alt stack: SA_ONSTACK is ignored */
    stack_t dis = {.ss_flags = SS_DISABLE};
    sigaltstack(&dis, NULL);
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGHUP, &sa, NULL);
    raise(SIGHUP);
    printf("disabled alt stack: on alt stack=%d\n", on_alt);
    /* stack overflow caught on the alternate stack, in a child */
    pid_t c = xfork();
    if (c == 0) {
        struct rlimit rl = {1 << 20, 1 << 20};
        setrlimit(RLIMIT_STACK, &rl);
        sigaltstack(&ss, NULL);
        sa.sa_handler = hsegv;
        sa.sa_flags = SA_ONSTACK;
        sigaction(SIGSEGV, &sa, NULL);
        no_core();
        recurse_p = recurse;
        recurse(0);
        _exit(2);
    }
    reap("stack overflow handled on the alt stack", c);
    return 0;
}

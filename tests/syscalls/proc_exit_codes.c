/* Exit codes are truncated to 8 bits; exit() runs atexit handlers and flushes, _exit does not. */
#include "proc.h"

static void bye(void) { printf("atexit handler in child\n"); }

int main(void)
{
    int codes[] = {0, 1, 2, 127, 128, 255, 256, 257, -1, -128, 1000};
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        pid_t c = xfork();
        if (c == 0)
            _exit(codes[i]);
        int st;
        waitpid(c, &st, 0);
        printf("_exit(%d) -> %s\n", codes[i], wstatus(st));
    }
    pid_t c = xfork();
    if (c == 0) {
        atexit(bye);
        printf("buffered line from child");
        exit(3);
    }
    reap("exit() with atexit", c);
    c = xfork();
    if (c == 0) {
        printf("this buffered line is lost");
        _exit(4);
    }
    reap("_exit() drops stdio buffers", c);
    c = xfork();
    if (c == 0)
        return 9; /* return from main == exit */
    reap("return 9 from main", c);
    c = xfork();
    if (c == 0)
        syscall(SYS_exit_group, 300);
    reap("exit_group(300)", c);
    c = xfork();
    if (c == 0)
        syscall(SYS_exit, 12); /* the only thread: the process exits */
    reap("exit(12) of the only thread", c);
    return 0;
}

/* Unflushed stdio buffers are duplicated by fork (stdout is a pipe: fully buffered). */
#include "proc.h"

int main(void)
{
    printf("buffered before fork|");
    pid_t c = fork(); /* deliberately not flushed */
    if (c == 0) {
        printf("child|\n");
        exit(0); /* flushes both the copied buffer and its own line */
    }
    waitpid(c, NULL, 0);
    printf("parent|\n");
    fflush(stdout);
    /* flushing first avoids it */
    printf("flushed before fork\n");
    c = xfork();
    if (c == 0) {
        printf("child only\n");
        exit(0);
    }
    waitpid(c, NULL, 0);
    printf("done\n");
    return 0;
}

/*
 * sandbox-resetsig PROGRAM [ARGS...]: runs PROGRAM with every signal at its default action
 * and none blocked. `sandbox compare` and the differential tests start the native side
 * through it: .NET leaves SIGPIPE ignored in the processes it starts, while a program started
 * in the sandbox begins with default dispositions, as one started from a shell does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: sandbox-resetsig PROGRAM [ARGS...]\n", stderr);
        return 125;
    }
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}

/* posix_spawn/posix_spawnp with file actions, attributes, and errors reported to the caller. */
#include "proc.h"
#include <fcntl.h>
#include <spawn.h>

extern char **environ;

static void capture(const char *what, int fd, pid_t pid, int err)
{
    if (err) {
        printf("%s: spawn error %s\n", what, errname(err));
        return;
    }
    char buf[256];
    size_t n = read_full(fd, buf, sizeof buf - 1);
    buf[n] = 0;
    int st;
    waitpid(pid, &st, 0);
    printf("%s: %s, output: %s", what, wstatus(st), n ? buf : "(none)\n");
}

int main(void)
{
    char *env[] = {"PATH=/usr/bin:/bin", "GREETING=hi", NULL};
    int p[2];
    pipe(p);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    pid_t pid;
    char *av1[] = {"sh", "-c", "echo $GREETING from spawn; exit 5", NULL};
    int err = posix_spawn(&pid, "/bin/sh", &fa, NULL, av1, env);
    close(p[1]);
    capture("posix_spawn /bin/sh", p[0], pid, err);
    close(p[0]);

    pipe(p);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    char *av2[] = {"sh", "-c", "echo path lookup", NULL};
    err = posix_spawnp(&pid, "sh", &fa, NULL, av2, env);
    close(p[1]);
    capture("posix_spawnp sh", p[0], pid, err);
    close(p[0]);

    char *av3[] = {"x", NULL};
    err = posix_spawn(&pid, "/nonexistent/prog", NULL, NULL, av3, env);
    printf("posix_spawn nonexistent: %s\n", errname(err));
    err = posix_spawnp(&pid, "no-such-program-xyz", NULL, NULL, av3, env);
    printf("posix_spawnp nonexistent: %s\n", errname(err));
    err = posix_spawn(&pid, "/etc", NULL, NULL, av3, env);
    printf("posix_spawn directory: %s\n", errname(err));

    /* attributes: new process group, default signal, signal mask */
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&at, 0);
    sigset_t m;
    sigemptyset(&m);
    posix_spawnattr_setsigmask(&at, &m);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGTERM);
    posix_spawnattr_setsigdefault(&at, &def);
    signal(SIGTERM, SIG_IGN); /* reset to default in the child by SETSIGDEF */
    pipe(p);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addopen(&fa, 3, "/etc/passwd", O_RDONLY, 0);
    char *av4[] = {"sh", "-c", "test -r /dev/fd/3 -o -e /proc/self || true; kill -TERM $$; echo not reached", NULL};
    err = posix_spawn(&pid, "/bin/sh", &fa, &at, av4, env);
    close(p[1]);
    if (!err)
        printf("spawned into its own group: %s\n", getpgid(pid) == pid ? "yes" : "no");
    capture("posix_spawn with attributes (SIGTERM back to default)", p[0], pid, err);
    close(p[0]);
    /* a file action that fails is reported as the spawn error */
    posix_spawn_file_actions_destroy(&fa);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 5, "/nonexistent/file", O_RDONLY, 0);
    err = posix_spawn(&pid, "/bin/sh", &fa, NULL, av1, env);
    printf("failing file action: %s\n", errname(err));
    CHECK("no zombie left behind", waitpid(-1, NULL, WNOHANG));
    return 0;
}

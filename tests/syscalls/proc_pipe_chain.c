/* A three-process pipeline: parent -> upcase child -> counting child -> parent. */
#include "proc.h"
#include <ctype.h>

int main(void)
{
    int a[2], b[2], c[2];
    pipe(a);
    pipe(b);
    pipe(c);
    pid_t up = xfork();
    if (up == 0) {
        close(a[1]);
        close(b[0]);
        close(c[0]);
        close(c[1]);
        char buf[333];
        ssize_t r;
        while ((r = read(a[0], buf, sizeof buf)) > 0) {
            for (ssize_t i = 0; i < r; i++)
                buf[i] = toupper((unsigned char)buf[i]);
            write_full(b[1], buf, r);
        }
        _exit(0);
    }
    pid_t cnt = xfork();
    if (cnt == 0) {
        close(a[0]);
        close(a[1]);
        close(b[1]);
        close(c[0]);
        long counts[256] = {0};
        char buf[1000];
        ssize_t r;
        long total = 0;
        while ((r = read(b[0], buf, sizeof buf)) > 0) {
            for (ssize_t i = 0; i < r; i++)
                counts[(unsigned char)buf[i]]++;
            total += r;
        }
        char out[256];
        int n = snprintf(out, sizeof out, "total=%ld A=%ld Z=%ld a=%ld space=%ld\n", total, counts['A'], counts['Z'], counts['a'], counts[' ']);
        write_full(c[1], out, n);
        _exit(0);
    }
    close(a[0]);
    close(b[0]);
    close(b[1]);
    close(c[1]);
    const char *text = "the quick brown fox jumps over the lazy dog ";
    for (int i = 0; i < 5000; i++)
        write_full(a[1], text, strlen(text));
    close(a[1]);
    char out[256] = {0};
    read_full(c[0], out, sizeof out - 1);
    fputs(out, stdout);
    reap("upcase", up);
    reap("count", cnt);
    return 0;
}

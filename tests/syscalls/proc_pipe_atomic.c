/* Several writers on one pipe: every write of at most PIPE_BUF bytes arrives unsplit. */
#include "proc.h"
#include <limits.h>

#define WRITERS 5
#define RECS 400

int main(void)
{
    printf("PIPE_BUF=%d\n", PIPE_BUF);
    int sizes[] = {1, 100, 512, 4000, PIPE_BUF};
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        int rec = sizes[k];
        int p[2];
        pipe(p);
        pid_t kids[WRITERS];
        for (int w = 0; w < WRITERS; w++) {
            kids[w] = xfork();
            if (kids[w] == 0) {
                close(p[0]);
                char buf[PIPE_BUF];
                memset(buf, 'A' + w, rec);
                for (int i = 0; i < RECS; i++)
                    if (write(p[1], buf, rec) != rec)
                        _exit(1);
                _exit(0);
            }
        }
        close(p[1]);
        static char buf[PIPE_BUF];
        int counts[WRITERS] = {0}, torn = 0;
        size_t got;
        while ((got = read_full(p[0], buf, rec)) == (size_t)rec) {
            int w = buf[0] - 'A';
            for (int i = 1; i < rec; i++)
                if (buf[i] != buf[0]) {
                    torn++;
                    break;
                }
            if (w >= 0 && w < WRITERS)
                counts[w]++;
        }
        close(p[0]);
        int ok = 1;
        for (int w = 0; w < WRITERS; w++) {
            int st;
            waitpid(kids[w], &st, 0);
            ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
            ok &= counts[w] == RECS;
        }
        printf("record %4d bytes: torn=%d all records from all writers=%s leftover=%zu\n", rec, torn, ok ? "yes" : "no", got);
    }
    return 0;
}

/* A blocking FIFO open ends when its partner has opened, even if the partner closed again
 * before the opener woke up (fs/pipe.c wait_for_partner counts opens): 50 rendezvous with a
 * writer that closes at once, each read then seeing EOF. */
#include "files.h"
#include <sys/wait.h>

int main(void)
{
    scratch_in("/tmp");
    CHECK("mkfifo", mkfifo(P("f"), 0600));
    int ok = 0;
    for (int i = 0; i < 50; i++) {
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            int w = open(P("f"), O_WRONLY); /* waits for the reader below */
            close(w);
            _exit(w >= 0 ? 0 : 1);
        }
        int r = open(P("f"), O_RDONLY);
        char b[4];
        if (r >= 0 && read(r, b, sizeof b) == 0) ok++;
        close(r);
        int st;
        waitpid(c, &st, 0);
    }
    printf("rendezvous that ended in EOF: %d of 50\n", ok);
    CHECK("unlink", unlink(P("f")));
    scratch_done();
    return 0;
}

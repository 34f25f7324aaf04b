/* A socket file outside /tmp (the overlay's upper layer in the sandbox): connect through a
 * renamed name and a hard link finds the same listener; chmod decides who may connect. */
#include "common.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define DIR "/var/tmp/sock_unix_rename_link.d"

static socklen_t mk(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static void try(const char *what, const char *path, int l)
{
    struct sockaddr_un a;
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    int r = connect(c, (struct sockaddr *)&a, mk(&a, path));
    printf("%s: r=%d errno=%s", what, r, r ? errname(errno) : "0");
    if (r == 0) {
        write(c, "k", 1);
        int s = accept(l, NULL, NULL);
        char b = 0;
        read(s, &b, 1);
        printf(" got=%c", b);
        close(s);
    }
    printf("\n");
    close(c);
}

int main(void)
{
    struct sockaddr_un a;
    system("rm -rf " DIR);
    mkdir(DIR, 0755);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("bind", bind(l, (struct sockaddr *)&a, mk(&a, DIR "/orig")));
    listen(l, 4);
    try("by its name", DIR "/orig", l);
    CHECK("rename", rename(DIR "/orig", DIR "/renamed"));
    try("old name", DIR "/orig", l);
    try("new name", DIR "/renamed", l);
    CHECK("link", link(DIR "/renamed", DIR "/linked"));
    try("hard link", DIR "/linked", l);
    CHECK("symlink", symlink(DIR "/renamed", DIR "/sym"));
    try("through a symlink", DIR "/sym", l);
    struct stat st;
    lstat(DIR "/linked", &st);
    printf("nlink=%lu sock=%d\n", (unsigned long)st.st_nlink, S_ISSOCK(st.st_mode));
    CHECK("mknod S_IFSOCK", mknod(DIR "/made", S_IFSOCK | 0777, 0));
    try("a socket file nobody bound", DIR "/made", l);
    struct sockaddr_un ln;
    socklen_t lnl = sizeof ln;
    getsockname(l, (struct sockaddr *)&ln, &lnl);
    printf("name after rename: %s\n", ln.sun_path);
    system("rm -rf " DIR);
    return 0;
}

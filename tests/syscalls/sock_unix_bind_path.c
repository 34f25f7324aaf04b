/* bind(2) to paths: the socket file, EADDRINUSE, address lengths, getsockname's exact length. */
#include "common.h"
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define DIR "/tmp/sock_unix_bind_path.d"

static socklen_t mk(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static void name(const char *what, int fd)
{
    struct sockaddr_un a;
    memset(&a, 0x55, sizeof a);
    socklen_t l = sizeof a;
    int r = getsockname(fd, (struct sockaddr *)&a, &l);
    printf("%s: r=%d len=%u path='%s'\n", what, r, l, l > 2 ? a.sun_path : "");
}

int main(void)
{
    struct sockaddr_un a;
    struct stat st;
    system("rm -rf " DIR);
    mkdir(DIR, 0755);
    umask(022);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    name("unbound", s);
    CHECK("bind", bind(s, (struct sockaddr *)&a, mk(&a, DIR "/s1")));
    CHECK("stat", stat(DIR "/s1", &st));
    printf("mode: sock=%d perm=%o size=%lld\n", S_ISSOCK(st.st_mode), st.st_mode & 07777, (long long)st.st_size);
    name("bound", s);
    CHECK("bind again", bind(s, (struct sockaddr *)&a, mk(&a, DIR "/s2")));
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("same path", bind(s2, (struct sockaddr *)&a, mk(&a, DIR "/s1")));
    CHECK("regular file there", (close(creat(DIR "/f", 0644)), bind(s2, (struct sockaddr *)&a, mk(&a, DIR "/f"))));
    CHECK("missing dir", bind(s2, (struct sockaddr *)&a, mk(&a, DIR "/nodir/s")));
    CHECK("through a file", bind(s2, (struct sockaddr *)&a, mk(&a, DIR "/f/s")));
    mk(&a, DIR "/s3");
    CHECK("len 1", bind(s2, (struct sockaddr *)&a, 1));
    CHECK("len 0", bind(s2, (struct sockaddr *)&a, 0));
    CHECK("len 111", bind(s2, (struct sockaddr *)&a, 111));
    CHECK("len 129", bind(s2, (struct sockaddr *)&a, 129));
    CHECK("len -1", bind(s2, (struct sockaddr *)&a, -1));
    CHECK("bad pointer", bind(s2, (struct sockaddr *)BAD_PTR, sizeof a));
    a.sun_family = AF_INET;
    CHECK("wrong family", bind(s2, (struct sockaddr *)&a, sizeof a));
    /* The full sizeof: the path ends at its NUL, not at addrlen. */
    mk(&a, DIR "/s3");
    CHECK("full sizeof", bind(s2, (struct sockaddr *)&a, sizeof a));
    name("full sizeof", s2);
    /* A relative path, no NUL counted in addrlen. */
    chdir(DIR);
    int s3 = socket(AF_UNIX, SOCK_DGRAM, 0);
    mk(&a, "rel");
    CHECK("relative, no NUL", bind(s3, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 3));
    name("relative", s3);
    TRUE("rel is a socket", stat(DIR "/rel", &st) == 0 && S_ISSOCK(st.st_mode));
    /* umask applies to the file. */
    umask(077);
    int s4 = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(s4, (struct sockaddr *)&a, mk(&a, DIR "/s4"));
    stat(DIR "/s4", &st);
    printf("umask 077: perm=%o\n", st.st_mode & 07777);
    /* Unlinking leaves the socket named; a closed socket leaves its file. */
    unlink(DIR "/s1");
    name("after unlink", s);
    close(s4);
    TRUE("file stays after close", stat(DIR "/s4", &st) == 0);
    CHECK("open a socket file", open(DIR "/s4", O_RDONLY));
    system("rm -rf " DIR);
    return 0;
}

/* Path limits: a 255-byte component works and 256 is ENAMETOOLONG, a path of 4095 bytes is
 * walked while 4096 is ENAMETOOLONG, for open, mkdir, stat, unlink, rename and symlink targets
 * (a 4095-byte target is fine, 4096 is ENAMETOOLONG). */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    char name[300];
    memset(name, 'a', 255);
    name[255] = 0;
    int fd = open(P(name), O_CREAT | O_WRONLY, 0644);
    CHECK("create 255-byte name", fd >= 0 ? 0 : -1);
    if (fd >= 0) close(fd);
    CHECK("stat 255-byte name", ({ struct stat st; stat(P(name), &st); }));
    name[255] = 'a';
    name[256] = 0;
    CHECK("create 256-byte name", open(P(name), O_CREAT | O_WRONLY, 0644));
    CHECK("stat 256-byte name", ({ struct stat st; stat(P(name), &st); }));
    CHECK("mkdir 256-byte name", mkdir(P(name), 0755));
    CHECK("unlink 256-byte name", unlink(P(name)));
    CHECK("rename to 256-byte name", ({ char o[300]; memset(o, 'a', 255); o[255] = 0; char from[600]; snprintf(from, sizeof from, "%s", P(o)); rename(from, P(name)); }));
    CHECK("symlink at 256-byte name", symlink("x", P(name)));

    /* Long paths: the scratch directory followed by "/." runs (and a last "/"), exactly 4095 bytes. */
    static char path[8192];
    int n = snprintf(path, sizeof path, "%s", scratch);
    while (4095 - n >= 2) { path[n++] = '/'; path[n++] = '.'; }
    if (n < 4095) path[n++] = '/';
    path[n] = 0;
    printf("path length %zu\n", strlen(path));
    CHECK("stat 4095-byte path", ({ struct stat st; stat(path, &st); }));
    path[4095] = '/';
    path[4096] = 0;
    printf("path length %zu\n", strlen(path));
    CHECK("stat 4096-byte path", ({ struct stat st; stat(path, &st); }));
    CHECK("open 4096-byte path", open(path, O_RDONLY));
    CHECK("mkdir 4096-byte path", mkdir(path, 0755));

    static char target[5000];
    memset(target, 'x', 4095);
    target[4095] = 0;
    CHECK("symlink target 4095 bytes", symlink(target, P("long")));
    char rb[5000];
    CHECK("readlink 4095", readlink(P("long"), rb, sizeof rb));
    target[4095] = 'x';
    target[4096] = 0;
    CHECK("symlink target 4096 bytes", symlink(target, P("longer")));
    scratch_done();
    return 0;
}

/* Extended attributes on a file the program created: set/get/list/remove (path, l*, f*
 * forms), XATTR_CREATE/REPLACE, sizes, namespaces and errors. */
#include "common.h"
#include <fcntl.h>
#include <sys/xattr.h>

static void list(const char *what, const char *path)
{
    char buf[256];
    ssize_t n = listxattr(path, buf, sizeof buf);
    printf("%s: %zd:", what, n);
    /* print user.* names sorted (the order is the filesystem's) */
    const char *names[16];
    int k = 0;
    for (ssize_t i = 0; i < n && k < 16; i += (ssize_t)strlen(buf + i) + 1)
        if (strncmp(buf + i, "user.", 5) == 0) names[k++] = buf + i;
    for (int a = 0; a < k; a++)
        for (int b = a + 1; b < k; b++)
            if (strcmp(names[a], names[b]) > 0) { const char *t = names[a]; names[a] = names[b]; names[b] = t; }
    for (int a = 0; a < k; a++) printf(" %s", names[a]);
    printf("\n");
}

int main(void)
{
    char path[] = "/tmp/sbx-xattr-XXXXXX";
    int fd = mkstemp(path);
    CHECK("set user.one", setxattr(path, "user.one", "1", 1, 0));
    CHECK("set user.two", setxattr(path, "user.two", "22", 2, XATTR_CREATE));
    CHECK("create existing", setxattr(path, "user.one", "x", 1, XATTR_CREATE));
    CHECK("replace missing", setxattr(path, "user.none", "x", 1, XATTR_REPLACE));
    CHECK("replace existing", setxattr(path, "user.one", "111", 3, XATTR_REPLACE));
    char v[16] = {0};
    CHECK("get size", getxattr(path, "user.one", NULL, 0));
    CHECK("get", getxattr(path, "user.one", v, sizeof v));
    printf("value \"%s\"\n", v);
    CHECK("get small buffer", getxattr(path, "user.one", v, 1));
    CHECK("get missing", getxattr(path, "user.missing", v, sizeof v));
    list("list", path);
    CHECK("fsetxattr", fsetxattr(fd, "user.three", "", 0, 0));
    CHECK("fgetxattr empty value", fgetxattr(fd, "user.three", v, sizeof v));
    list("list after fset", path);
    CHECK("remove", removexattr(path, "user.two"));
    CHECK("remove again", removexattr(path, "user.two"));
    CHECK("fremovexattr", fremovexattr(fd, "user.three"));
    list("list after remove", path);
    CHECK("unknown namespace", setxattr(path, "bogus.x", "1", 1, 0));
    CHECK("empty name", setxattr(path, "", "1", 1, 0));
    CHECK("bad flags", setxattr(path, "user.x", "1", 1, 8));
    static char big[70000];
    CHECK("value too big", setxattr(path, "user.big", big, sizeof big, 0));
    CHECK("bad name pointer", setxattr(path, BAD_PTR, "1", 1, 0));
    CHECK("bad value pointer", syscall(SYS_setxattr, path, "user.x", BAD_PTR, 4, 0));
    char link[64];
    snprintf(link, sizeof link, "%s-link", path);
    symlink(path, link);
    CHECK("lsetxattr user.* on a symlink", lsetxattr(link, "user.x", "1", 1, 0));
    CHECK("setxattr through the symlink", setxattr(link, "user.via", "1", 1, 0));
    list("list after the link", path);
    CHECK("missing file", setxattr("/tmp/sbx-no-such-file", "user.x", "1", 1, 0));
    unlink(link);
    unlink(path);
    return 0;
}

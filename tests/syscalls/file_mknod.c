/* mknod/mknodat as root: regular files (type 0 too), FIFOs and sockets are created with the
 * umask applied; character and block devices need CAP_MKNOD (root has it natively, and the
 * sandbox refuses devices: compare only what both allow); bad types EINVAL; directories
 * via mknod EPERM; EEXIST. */
#include "files.h"
#include <sys/sysmacros.h>

int main(void)
{
    scratch_in("/tmp");
    umask(022);
    CHECK("mknod S_IFREG", mknod(P("reg"), S_IFREG | 0666, 0));
    show_mode("reg", P("reg"));
    CHECK("mknod type 0 (regular)", mknod(P("zero"), 0644, 0));
    show_mode("zero", P("zero"));
    CHECK("mknod S_IFIFO", mknod(P("fifo"), S_IFIFO | 0777, 0));
    show_mode("fifo", P("fifo"));
    CHECK("mknod S_IFSOCK", mknod(P("sock"), S_IFSOCK | 0700, 0));
    struct stat st;
    lstat(P("sock"), &st);
    printf("sock is socket %d mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 0777);
    CHECK("mknod S_IFDIR", mknod(P("dir"), S_IFDIR | 0755, 0));
    CHECK("mknod bad type", mknod(P("bad"), 0170000, 0));
    CHECK("mknod S_IFLNK", mknod(P("lnk"), S_IFLNK | 0777, 0));
    CHECK("mknod existing", mknod(P("reg"), S_IFREG | 0644, 0));
    CHECK("mknod missing parent", mknod(P("no/x"), S_IFREG | 0644, 0));
    CHECK("mknodat", mknodat(AT_FDCWD, P("at"), S_IFIFO | 0600, 0));
    CHECK("open the socket", open(P("sock"), O_RDONLY));
    CHECK("mknod setuid regular", mknod(P("suid"), S_IFREG | 04755, 0));
    show_mode("suid", P("suid"));
    list_dir("scratch", scratch);
    scratch_done();
    return 0;
}

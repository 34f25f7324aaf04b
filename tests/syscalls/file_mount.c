/* mount/umount2 of tmpfs, proc and bind mounts inside the sandbox's tree (natively: the
 * host's, cleaned up at the end), read-only remounts, and errors. Without CAP_SYS_ADMIN both
 * sides answer EPERM. */
#include "common.h"
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

int main(void)
{
    char dir[] = "/tmp/sbx-mnt-XXXXXX", src[] = "/tmp/sbx-mnt-src-XXXXXX";
    mkdtemp(dir);
    mkdtemp(src);
    char path[128];
    snprintf(path, sizeof path, "%s/in-source", src);
    close(open(path, O_CREAT | O_WRONLY, 0644));

    long r = mount("none", dir, "tmpfs", 0, NULL);
    CHECK("mount tmpfs", r);
    if (r == 0) {
        snprintf(path, sizeof path, "%s/f", dir);
        TRUE("file in the new tmpfs", close(open(path, O_CREAT | O_WRONLY, 0644)) == 0);
        struct statfs sf;
        statfs(dir, &sf);
        TRUE("statfs says tmpfs", sf.f_type == 0x01021994);
        CHECK("umount2", umount2(dir, 0));
        TRUE("its file is gone", access(path, F_OK) != 0 && errno == ENOENT);
        CHECK("umount2 again", umount2(dir, 0));

        CHECK("bind mount", mount(src, dir, NULL, MS_BIND, NULL));
        snprintf(path, sizeof path, "%s/in-source", dir);
        TRUE("source file visible", access(path, F_OK) == 0);
        CHECK("remount read-only", mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
        snprintf(path, sizeof path, "%s/new", dir);
        CHECK("create on the read-only bind", open(path, O_CREAT | O_WRONLY, 0644));
        CHECK("umount2 bind", umount2(dir, MNT_DETACH));

        CHECK("mount proc", mount("proc", dir, "proc", 0, NULL));
        snprintf(path, sizeof path, "%s/self/stat", dir);
        TRUE("proc has self/stat", access(path, R_OK) == 0);
        CHECK("umount2 proc", umount2(dir, 0));
    }
    CHECK("unknown filesystem type", mount("none", dir, "sbxnosuchfs", 0, NULL));
    CHECK("target missing", mount("none", "/tmp/sbx-no-such-dir", "tmpfs", 0, NULL));
    CHECK("bad target pointer", mount("none", BAD_PTR, "tmpfs", 0, NULL));
    CHECK("umount2 bad flags", umount2(dir, 0x100));
    CHECK("umount2 not a mount point", umount2(dir, 0));
    snprintf(path, sizeof path, "%s/in-source", src);
    unlink(path);
    rmdir(src);
    rmdir(dir);
    return 0;
}

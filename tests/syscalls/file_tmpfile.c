/* O_TMPFILE (open(2)): an unnamed file, nlink 0; linkat through /proc/self/fd or AT_EMPTY_PATH
 * names it; O_EXCL forbids that; O_RDONLY and non-directories are refused. Run on /dev/shm
 * (tmpfs natively and in the sandbox). */
#include "files.h"

int main(void)
{
    scratch_in("/dev/shm");
    umask(022);
    int fd = open(scratch, O_TMPFILE | O_RDWR, 0640);
    TRUE("O_TMPFILE|O_RDWR", fd >= 0);
    struct stat st;
    fstat(fd, &st);
    printf("nlink %ld mode %o regular %d\n", (long)st.st_nlink, st.st_mode & 0777, S_ISREG(st.st_mode));
    write(fd, "hello", 5);
    list_dir("dir while unnamed", scratch);
    {
        char pp[64], l[4200];
        snprintf(pp, sizeof pp, "/proc/self/fd/%d", fd);
        long n = readlink(pp, l, sizeof l - 1);
        l[n > 0 ? n : 0] = 0;
        size_t k = strlen(l);
        printf("fd link in the directory %d, ends \" (deleted)\" %d\n", strncmp(l, scratch, strlen(scratch)) == 0,
               k > 10 && strcmp(l + k - 10, " (deleted)") == 0);
    }
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    CHECK("linkat via /proc/self/fd", linkat(AT_FDCWD, proc, AT_FDCWD, P("named"), AT_SYMLINK_FOLLOW));
    fstat(fd, &st);
    printf("nlink after link %ld\n", (long)st.st_nlink);
    show_file("named", P("named"));
    CHECK("linkat again, other name", linkat(AT_FDCWD, proc, AT_FDCWD, P("named2"), AT_SYMLINK_FOLLOW));
    CHECK("linkat onto existing", linkat(AT_FDCWD, proc, AT_FDCWD, P("named"), AT_SYMLINK_FOLLOW));
    close(fd);

    fd = open(scratch, O_TMPFILE | O_WRONLY | O_EXCL, 0600);
    TRUE("O_TMPFILE|O_EXCL", fd >= 0);
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    CHECK("linkat an O_EXCL tmpfile", linkat(AT_FDCWD, proc, AT_FDCWD, P("never"), AT_SYMLINK_FOLLOW));
    close(fd);

    fd = open(scratch, O_TMPFILE | O_RDWR, 0600);
    CHECK("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, P("empty"), AT_EMPTY_PATH));
    close(fd);

    CHECK("O_TMPFILE|O_RDONLY", open(scratch, O_TMPFILE | O_RDONLY, 0600));
    CHECK("O_TMPFILE on a file", open(P("named"), O_TMPFILE | O_RDWR, 0600));
    CHECK("O_TMPFILE on a missing dir", open(P("nope"), O_TMPFILE | O_RDWR, 0600));
    CHECK("O_TMPFILE|O_CREAT", open(scratch, O_TMPFILE | O_CREAT | O_RDWR, 0600));
    list_dir("dir at end", scratch);
    scratch_done();
    return 0;
}

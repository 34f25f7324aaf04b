/* Bad user pointers must give EFAULT (never crash the process or the sandbox). */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

int main(void)
{
    int z = open("/dev/zero", O_RDONLY);
    int n = open("/dev/null", O_RDWR);
    int f = open("/etc/passwd", O_RDONLY);
    struct stat st;
    CHECK("read /dev/zero into NULL", syscall(SYS_read, z, NULL, 16));
    CHECK("read /dev/zero into 0x1", syscall(SYS_read, z, BAD_PTR, 16));
    CHECK("read /dev/zero into kernel", syscall(SYS_read, z, KERNEL_PTR, 16));
    CHECK("read file into NULL", syscall(SYS_read, f, NULL, 16));
    CHECK("offset unchanged after EFAULT", lseek(f, 0, SEEK_CUR));
    CHECK("read /dev/null into NULL (no copy)", syscall(SYS_read, n, NULL, 16));
    CHECK("read 0 bytes into NULL", syscall(SYS_read, f, NULL, 0));
    CHECK("write /dev/null from NULL (no copy)", syscall(SYS_write, n, NULL, 16));
    CHECK("write file from NULL (O_RDONLY)", syscall(SYS_write, f, NULL, 16));
    CHECK("write stdout from NULL", syscall(SYS_write, 1, NULL, 16));
    CHECK("write stdout from kernel", syscall(SYS_write, 1, KERNEL_PTR, 16));
    CHECK("write stdout 0 bytes from NULL", syscall(SYS_write, 1, NULL, 0));
    CHECK("stat path NULL", syscall(SYS_stat, NULL, &st));
    CHECK("stat buf NULL", syscall(SYS_stat, "/etc/passwd", NULL));
    CHECK("stat buf kernel", syscall(SYS_stat, "/etc/passwd", KERNEL_PTR));
    CHECK("fstat buf NULL", syscall(SYS_fstat, f, NULL));
    CHECK("open path NULL", syscall(SYS_open, NULL, O_RDONLY));
    CHECK("open path kernel", syscall(SYS_open, KERNEL_PTR, O_RDONLY));
    CHECK("openat path 0x1", syscall(SYS_openat, AT_FDCWD, BAD_PTR, O_RDONLY));
    CHECK("access NULL", syscall(SYS_access, NULL, F_OK));
    CHECK("clock_gettime NULL", syscall(SYS_clock_gettime, CLOCK_REALTIME, NULL));
    CHECK("clock_gettime kernel", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KERNEL_PTR));
    CHECK("uname NULL", syscall(SYS_uname, NULL));
    CHECK("uname kernel", syscall(SYS_uname, KERNEL_PTR));
    CHECK("getcwd NULL", syscall(SYS_getcwd, NULL, 64));
    CHECK("nanosleep NULL", syscall(SYS_nanosleep, NULL, NULL));
    CHECK("getrandom NULL", syscall(SYS_getrandom, NULL, 8, 0));
    CHECK("readlink buf NULL", syscall(SYS_readlink, "/bin", NULL, 16));
    CHECK("pread NULL", syscall(SYS_pread64, f, NULL, 4, 0));
    CHECK("sysinfo NULL", syscall(SYS_sysinfo, NULL));
    CHECK("getrlimit NULL", syscall(SYS_getrlimit, 7, NULL));
    CHECK("times NULL ok", syscall(SYS_times, NULL) > 0 ? 0 : -1);
    CHECK("times bad ptr", syscall(SYS_times, BAD_PTR));
    /* A pointer into a mapped-but-PROT_NONE page also faults. */
    char buf[8];
    CHECK("buffer straddling end of user space", syscall(SYS_read, z, (void *)0x7ffffffffffcUL, 16));
    CHECK("process still fine", read(f, buf, 4));
    printf("data: %.4s\n", buf);
    return 0;
}

/* close(2) on invalid and already-closed descriptors, close_range. */
#include "common.h"
#include <fcntl.h>

int main(void)
{
    CHECK("close -1", close(-1));
    CHECK("close 1000", close(1000));
    CHECK("close INT_MAX", close(0x7fffffff));
    int fd = open("/dev/null", O_RDONLY);
    CHECK("close open fd", close(fd));
    CHECK("close again", close(fd));
    int a = open("/dev/null", O_RDONLY);
    int b = open("/dev/null", O_RDONLY);
    TRUE("b after a", b == a + 1);
    CHECK("close_range", syscall(SYS_close_range, a, b, 0));
    CHECK("closed a", fcntl(a, F_GETFD));
    CHECK("closed b", fcntl(b, F_GETFD));
    CHECK("close_range first>last", syscall(SYS_close_range, 10, 5, 0));
    CHECK("close_range bad flags", syscall(SYS_close_range, 10, 20, 0x1000));
    CHECK("close_range nothing open", syscall(SYS_close_range, 500, 600, 0));
    CHECK("stdout still open", fcntl(1, F_GETFD));
    return 0;
}

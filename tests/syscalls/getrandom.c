/* getrandom(2): lengths, flags, errors. The random bytes themselves are never printed. */
#include "common.h"
#include <fcntl.h>
#include <sys/random.h>

int main(void)
{
    unsigned char a[256], b[256];
    CHECK("len 0", getrandom(a, 0, 0));
    CHECK("len 1", getrandom(a, 1, 0));
    CHECK("len 16", getrandom(a, 16, 0));
    CHECK("len 256", getrandom(a, 256, 0));
    CHECK("len 256 again", getrandom(b, 256, 0));
    TRUE("two draws differ", memcmp(a, b, 256) != 0);
    CHECK("GRND_NONBLOCK", getrandom(a, 64, GRND_NONBLOCK));
    CHECK("GRND_RANDOM small", getrandom(a, 16, GRND_RANDOM));
    CHECK("GRND_RANDOM|GRND_NONBLOCK", getrandom(a, 16, GRND_RANDOM | GRND_NONBLOCK));
    CHECK("GRND_INSECURE", getrandom(a, 16, 0x4));
    CHECK("GRND_INSECURE|GRND_RANDOM", getrandom(a, 16, 0x4 | GRND_RANDOM));
    CHECK("bad flag 0x8", getrandom(a, 16, 0x8));
    CHECK("bad flags high", getrandom(a, 16, 0x100));
    size_t big = 1 << 20;
    unsigned char *m = malloc(big);
    memset(m, 0, big);
    CHECK("len 1MiB", getrandom(m, big, 0));
    size_t zeros = 0;
    for (size_t i = 0; i < big; i++)
        zeros += m[i] == 0;
    TRUE("1MiB looks random", zeros > 2000 && zeros < 6500);
    free(m);
    CHECK("efault", syscall(SYS_getrandom, BAD_PTR, 16, 0));
    CHECK("efault len 0", syscall(SYS_getrandom, BAD_PTR, 0, 0));

    int u = open("/dev/urandom", O_RDONLY);
    CHECK("read /dev/urandom", read(u, a, 100));
    close(u);
    int r = open("/dev/random", O_RDONLY);
    CHECK("read /dev/random", read(r, a, 32));
    close(r);
    return 0;
}

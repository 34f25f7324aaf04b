/* One 1 MiB write(2) to the stdout pipe must write everything; then a large writev. */
#include "common.h"
#include <sys/uio.h>

int main(void)
{
    size_t sz = 1 << 20;
    char *buf = malloc(sz);
    for (size_t i = 0; i < sz; i += 64) {
        memset(buf + i, 'a' + (i / 64) % 26, 63);
        buf[i + 63] = '\n';
    }
    long r = write(1, buf, sz);
    char msg[64];
    int len = snprintf(msg, sizeof msg, "write returned %ld\n", r);
    write(1, msg, len);
    struct iovec iov[4];
    for (int i = 0; i < 4; i++) {
        iov[i].iov_base = buf + i * (sz / 4);
        iov[i].iov_len = sz / 4;
    }
    r = writev(1, iov, 4);
    len = snprintf(msg, sizeof msg, "writev returned %ld\n", r);
    write(1, msg, len);
    free(buf);
    return 0;
}

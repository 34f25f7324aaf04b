/* Large allocations: 64 MiB malloc touched page by page; mmap/munmap churn. */
#include "common.h"
#include <sys/mman.h>

int main(void)
{
    size_t sz = 64UL << 20;
    unsigned char *p = malloc(sz);
    TRUE("malloc 64MiB", p != NULL);
    for (size_t i = 0; i < sz; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    unsigned long sum = 0;
    for (size_t i = 0; i < sz; i += 4096)
        sum += p[i];
    printf("checksum: %lu\n", sum);
    free(p);

    for (int round = 0; round < 200; round++) {
        size_t len = (size_t)(round % 16 + 1) << 16;
        char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED || m[len - 1] != 0) {
            printf("round %d failed\n", round);
            return 1;
        }
        m[0] = m[len - 1] = 1;
        if (munmap(m, len) != 0) {
            printf("munmap %d failed\n", round);
            return 1;
        }
    }
    printf("mmap churn ok\n");

    void *small[1000];
    for (int i = 0; i < 1000; i++) {
        small[i] = malloc(i * 37 + 1);
        memset(small[i], i, i * 37 + 1);
    }
    int good = 1;
    for (int i = 0; i < 1000; i++) {
        good &= ((unsigned char *)small[i])[i * 37] == (unsigned char)i;
        free(small[i]);
    }
    TRUE("small allocations", good);
    char *r = calloc(1, 1UL << 30);
    TRUE("calloc 1GiB (untouched)", r != NULL);
    TRUE("calloc zeroed", r && r[12345678] == 0);
    free(r);
    return 0;
}

/* set_robust_list/get_robust_list. (rseq is left alone: glibc registers it itself.) */
#include "common.h"
#include <linux/futex.h>

int main(void)
{
    static struct robust_list_head head = {.list = {&head.list}, .futex_offset = 0, .list_op_pending = NULL};
    CHECK("set_robust_list", syscall(SYS_set_robust_list, &head, sizeof head));
    struct robust_list_head *got = NULL;
    size_t len = 0;
    CHECK("get_robust_list self", syscall(SYS_get_robust_list, 0, &got, &len));
    TRUE("head round trip", got == &head);
    printf("len: %zu\n", len);
    CHECK("bad len", syscall(SYS_set_robust_list, &head, sizeof head + 1));
    CHECK("len 0", syscall(SYS_set_robust_list, &head, 0));
    CHECK("NULL head", syscall(SYS_set_robust_list, NULL, sizeof head));
    syscall(SYS_get_robust_list, 0, &got, &len);
    TRUE("NULL head stored", got == NULL);
    CHECK("restore", syscall(SYS_set_robust_list, &head, sizeof head));
    CHECK("get bad pid", syscall(SYS_get_robust_list, 0x3fffffff, &got, &len));
    CHECK("get efault head", syscall(SYS_get_robust_list, 0, BAD_PTR, &len));
    CHECK("get efault len", syscall(SYS_get_robust_list, 0, &got, BAD_PTR));
    return 0;
}

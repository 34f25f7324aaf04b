/* Raw exit_group(2) with status 300 (only the low 8 bits survive: 44). */
#include "common.h"

int main(void)
{
    printf("calling exit_group(300)\n");
    fflush(stdout);
    syscall(SYS_exit_group, 300);
    printf("unreachable\n");
    return 1;
}

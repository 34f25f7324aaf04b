/* Static-PIE: relocations must be applied; output is address-independent. */
#include "common.h"

static const char msg1[] = "hello from static-pie";
static const char msg2[] = "relocated pointer table works";
static const char *const table[] = {msg1, msg2};
static int (*fp)(const char *) = puts;
static int counter = 5;
static int *pcounter = &counter;

int main(int argc, char **argv)
{
    (void)argv;
    printf("argc: %d\n", argc);
    for (int i = 0; i < 2; i++)
        printf("%s\n", table[i]);
    fp("function pointer called");
    (*pcounter)++;
    printf("counter: %d\n", counter);
    TRUE("main not at link-time zero base", (uintptr_t)&main > 0x10000);
    return 0;
}

/* argv/envp layout on the initial stack. */
#include "common.h"

extern char **environ;

int main(int argc, char **argv, char **envp)
{
    printf("argc: %d\n", argc);
    const char *base = strrchr(argv[0], '/');
    printf("argv[0] basename: %s\n", base ? base + 1 : argv[0]);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]: %s\n", i, argv[i]);
    TRUE("argv[argc] == NULL", argv[argc] == NULL);
    TRUE("envp follows argv", envp == argv + argc + 1);
    TRUE("environ == envp", environ == envp);
    int n = 0;
    while (envp[n])
        n++;
    printf("envc: %d\n", n);
    const char *path = getenv("PATH");
    printf("PATH: %s\n", path ? path : "(unset)");
    int all_have_eq = 1;
    for (int i = 0; i < n; i++)
        all_have_eq &= strchr(envp[i], '=') != NULL;
    TRUE("all env entries have '='", all_have_eq);
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    TRUE("argv above current frame", (uintptr_t)argv > sp);
    TRUE("argv 8-aligned", ((uintptr_t)argv & 7) == 0);
    return 0;
}

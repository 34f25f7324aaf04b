// true.c - the smallest possible program: exit_group(0) from _start, no libc at all.
// Built with -static -nostdlib: its whole life is execve + one syscall, so timing it
// measures a launcher's start-up cost (process creation, loading, teardown) and nothing else.
void _start(void) {
    __asm__ volatile("syscall" : : "a"(231 /* SYS_exit_group */), "D"(0) : "rcx", "r11", "memory");
    __builtin_unreachable();
}

/*
 * The ptrace platform's stub process: one per application address space.
 *
 * It asks to die with its parent (the Sentry's tracer thread), asks to be traced, and stops
 * itself. From then on it never runs code of its own again: the Sentry unmaps everything
 * except this page, points the registers at the application, and resumes with PTRACE_SYSEMU.
 * To make the stub run a host system call for the Sentry (mmap of the memory file, munmap,
 * mprotect), the Sentry sets rax and the arguments and resumes at stub_syscall: the `int3`
 * that follows stops the stub again with the result in rax.
 *
 * It is linked far above where the application's mappings go (see Memory/Layout.cs) and uses
 * no stack after it has stopped, so the Sentry may remove the stack the kernel gave it.
 */
    .text
    .globl _start
_start:
    mov $157, %eax          /* prctl(PR_SET_PDEATHSIG, SIGKILL) */
    mov $1, %edi
    mov $9, %esi
    syscall
    mov $110, %eax          /* getppid: if the Sentry is already gone, so are we */
    syscall
    cmp $1, %eax
    jbe die
    mov $101, %eax          /* ptrace(PTRACE_TRACEME, 0, 0, 0) */
    xor %edi, %edi
    xor %esi, %esi
    xor %edx, %edx
    xor %r10d, %r10d
    syscall
    test %rax, %rax
    jnz die
    mov $39, %eax           /* kill(getpid(), SIGSTOP) */
    syscall
    mov %eax, %edi
    mov $19, %esi
    mov $62, %eax
    syscall
    /* The SIGSTOP stop reports rip == stub_syscall. */
    .globl stub_syscall
stub_syscall:
    syscall
    int3
    jmp stub_syscall
die:
    mov $231, %eax          /* exit_group(1) */
    mov $1, %edi
    syscall
    hlt

    .section .note.GNU-stack,"",@progbits

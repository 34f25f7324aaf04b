/*
 * The ptrace platform's stub process: one per application address space; its threads are
 * the application's threads.
 *
 * It asks to die with the Sentry's spawner thread (PR_SET_PDEATHSIG) and stops itself; the
 * Sentry thread that will run the application then seizes it (PTRACE_SEIZE), unmaps
 * everything except this code, points the registers at the application and resumes with
 * PTRACE_SYSEMU. The stub never runs code of its own again, and uses no stack.
 *
 *  stub_syscall   the Sentry runs a host system call inside the stub (mmap of the memory
 *                 file, munmap, mprotect) by setting rax and the arguments and resuming
 *                 here: the `int3` that follows stops the thread with the result in rax.
 *  clone_entry    the same for clone(CLONE_VM|CLONE_THREAD|...): the caller stops at the
 *                 int3, the new thread waits in pause() until its own Sentry thread seizes it.
 *
 * The Sentry finds these addresses in sandbox-stub.syms, written by native/Makefile.
 */
    .text
    .globl stub_syscall
stub_syscall:
    syscall
    int3
    jmp stub_syscall

    .balign 16
    .globl clone_entry
clone_entry:
    syscall
    test %rax, %rax
    jz idle
    int3
    jmp stub_syscall

    .balign 16
idle:
    mov $34, %eax           /* pause() until a tracer takes over */
    syscall
    jmp idle

    .balign 16
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
    mov $39, %eax           /* kill(getpid(), SIGSTOP): the spawner waits for this stop */
    syscall
    mov %eax, %edi
    mov $19, %esi
    mov $62, %eax
    syscall
    jmp idle
die:
    mov $231, %eax          /* exit_group(1) */
    mov $1, %edi
    syscall
    hlt

    .section .note.GNU-stack,"",@progbits

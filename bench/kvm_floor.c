// kvm_floor.c - the limit of the exit-per-syscall design: bare KVM_RUN round trips.
// A long-mode guest loops on `syscall` in ring 3; its ring-0 LSTAR handler leaves the guest
// and returns with sysretq, exactly the path of the KVM platform minus the Sentry.
//   kvm_floor out|hlt|vmmcall [N]   prints "ns_per_exit <float>"
// out:     `out imm8, al` -> KVM_EXIT_IO to this program (the platform's choice)
// hlt:     `hlt` -> KVM_EXIT_HLT (no in-kernel irqchip, so HLT reaches user space)
// vmmcall: the hypercall is answered inside the kernel and never reaches user space; the
//          handler exits with `out` once every 1000 calls, so this is the in-kernel cost only.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cpuid.h>

#define MEM (2u << 20)
#define DIE(what) do { fprintf(stderr, "kvm_floor: %s: %s\n", what, strerror(errno)); exit(1); } while (0)

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }

static struct kvm_segment seg(uint16_t sel, int code, int dpl) {
    struct kvm_segment s = { .base = 0, .limit = 0xffffffff, .selector = sel, .present = 1, .dpl = dpl,
                             .s = 1, .g = 1, .type = code ? 11 : 3, .l = code, .db = !code };
    return s;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "out";
    long n = argc > 2 ? atol(argv[2]) : 20000;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) DIE("/dev/kvm");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) DIE("KVM_CREATE_VM");
    uint8_t *m = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct kvm_userspace_memory_region r = { .slot = 0, .guest_phys_addr = 0, .memory_size = MEM, .userspace_addr = (uint64_t)m };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0) DIE("KVM_SET_USER_MEMORY_REGION");

    uint64_t *pml4 = (uint64_t *)(m + 0x1000), *pdpt = (uint64_t *)(m + 0x2000), *pd = (uint64_t *)(m + 0x3000);
    pml4[0] = 0x2000 | 7; pdpt[0] = 0x3000 | 7; pd[0] = 0x87; // one 2 MiB page, user-accessible
    uint64_t *gdt = (uint64_t *)(m + 0x4000);
    gdt[2] = 0x00af9b000000ffffull; gdt[3] = 0x00cf93000000ffffull;  // kernel code 0x10, data 0x18
    gdt[4] = 0x00cffb000000ffffull; gdt[5] = 0x00cff3000000ffffull;  // user32 code 0x23, data 0x2b
    gdt[6] = 0x00affb000000ffffull;                                   // user code 0x33
    uint64_t tss = 0x5000;
    gdt[8] = 103 | ((tss & 0xffffff) << 16) | (0x89ull << 40) | ((tss >> 24 & 0xff) << 56);
    gdt[9] = tss >> 32;

    // Ring 3 at 0x10000: count in rbx, syscall forever.
    static const uint8_t user[] = { 0x48, 0xff, 0xc3, 0x0f, 0x05, 0xeb, 0xf9 }; // inc rbx; syscall; jmp
    memcpy(m + 0x10000, user, sizeof user);
    uint8_t *h = m + 0x11000;
    unsigned vendor_ebx = 0, a, c, d;
    __cpuid(0, a, vendor_ebx, c, d);
    int intel = vendor_ebx == 0x756e6547; // "Genu"
    if (!strcmp(mode, "out")) {
        static const uint8_t k[] = { 0xe6, 0x10, 0x48, 0x0f, 0x07 };            // out 0x10,al; sysretq
        memcpy(h, k, sizeof k);
    } else if (!strcmp(mode, "hlt")) {
        static const uint8_t k[] = { 0xf4, 0x48, 0x0f, 0x07 };                  // hlt; sysretq
        memcpy(h, k, sizeof k);
    } else if (!strcmp(mode, "vmmcall")) {
        // xor eax,eax; vmmcall|vmcall; dec r12; jnz 1f; mov r12,1000; out 0x10,al; 1: sysretq
        uint8_t k[] = { 0x31, 0xc0, 0x0f, 0x01, intel ? 0xc1 : 0xd9, 0x49, 0xff, 0xcc, 0x75, 0x09,
                        0x49, 0xc7, 0xc4, 0xe8, 0x03, 0x00, 0x00, 0xe6, 0x10, 0x48, 0x0f, 0x07 };
        memcpy(h, k, sizeof k);
    } else { fprintf(stderr, "usage: kvm_floor out|hlt|vmmcall [N]\n"); return 2; }

    int cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (cpu < 0) DIE("KVM_CREATE_VCPU");
    int runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, runsz, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
    struct kvm_sregs s;
    if (ioctl(cpu, KVM_GET_SREGS, &s) < 0) DIE("KVM_GET_SREGS");
    s.cr0 = 0x80050033; s.cr3 = 0x1000; s.cr4 = 0x620; s.efer = 0xd01;
    s.cs = seg(0x33, 1, 3); s.ss = s.ds = s.es = s.fs = s.gs = seg(0x2b, 0, 3);
    s.gdt.base = 0x4000; s.gdt.limit = 10 * 8 - 1; s.idt.base = 0; s.idt.limit = 0;
    s.tr = (struct kvm_segment){ .base = tss, .limit = 103, .selector = 0x40, .type = 11, .present = 1 };
    s.ldt = (struct kvm_segment){ .type = 2, .unusable = 1 };
    if (ioctl(cpu, KVM_SET_SREGS, &s) < 0) DIE("KVM_SET_SREGS");
    struct { struct kvm_msrs h; struct kvm_msr_entry e[3]; } msrs = { .h.nmsrs = 3 };
    msrs.e[0] = (struct kvm_msr_entry){ .index = 0xc0000081, .data = (0x23ull << 48) | (0x10ull << 32) };
    msrs.e[1] = (struct kvm_msr_entry){ .index = 0xc0000082, .data = 0x11000 };
    msrs.e[2] = (struct kvm_msr_entry){ .index = 0xc0000084, .data = 0x47700 };
    if (ioctl(cpu, KVM_SET_MSRS, &msrs) != 3) DIE("KVM_SET_MSRS");
    struct kvm_regs g = { .rip = 0x10000, .rsp = 0x1f0000, .rflags = 0x202, .r12 = 1000 };
    if (ioctl(cpu, KVM_SET_REGS, &g) < 0) DIE("KVM_SET_REGS");

    // vmmcall: N hypercalls in N/1000 exits to here.
    long per = strcmp(mode, "vmmcall") ? 1 : 1000, iters = per == 1 ? n : (n / per > 0 ? n / per : 1);
    double t0 = 0;
    for (long i = per == 1 ? -100 : -1; i < iters; i++) { // warm-up first
        if (i == 0) t0 = now();
        if (ioctl(cpu, KVM_RUN, 0) < 0) DIE("KVM_RUN");
        int want = strcmp(mode, "hlt") ? KVM_EXIT_IO : KVM_EXIT_HLT;
        if ((int)run->exit_reason != want) { fprintf(stderr, "kvm_floor: unexpected exit %u\n", run->exit_reason); return 1; }
    }
    double t = now() - t0;
    printf("ns_per_exit %.1f\n", t / (double)(iters * per));
    return 0;
}

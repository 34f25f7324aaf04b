#!/bin/bash
# The KVM platform's CI stage: boots the nested guest (boot.sh) once and runs a focused set of
# programs under `sandbox compare --platform kvm` (native output is the oracle), with a
# NativeAOT-published sandbox (dotnet would take ~10 s per start in there).
# Exit: 0 all same, 1 some differ, 77 skipped (no qemu), other: set-up failed.
# Env: SANDBOX (a NativeAOT sandbox; default: publish into out/kvm-aot), KVM_WORK.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 is not installed (setup.d/kvm.packages)"; exit 77; }
"$here/prepare.sh" >/dev/null || exit 2
sandbox=${SANDBOX:-}
if [ -z "$sandbox" ]; then
  sandbox=out/kvm-aot/sandbox
  stale=$(find src native -name bin -prune -o -name obj -prune -o -type f -newer "$sandbox" -print -quit 2>/dev/null || echo yes)
  if [ ! -x "$sandbox" ] || [ -n "$stale" ]; then
    echo "nested.sh: publishing NativeAOT sandbox into out/kvm-aot"
    mkdir -p out
    dotnet publish src/Cli -c Release -r linux-x64 -p:PublishAot=true -o out/kvm-aot >out/kvm-aot.log 2>&1 ||
      { echo "nested.sh: publish failed (out/kvm-aot.log)"; tail -20 out/kvm-aot.log; exit 2; }
  fi
fi
make -s -C tests/syscalls OUT="$root/artifacts/syscalls/" || exit 2
mkdir -p artifacts/kvm
gcc -O2 -static -o artifacts/kvm/hello tests/programs/hello.c || exit 2

# Each line: a name, then the command compared natively and under kvm.
cat > artifacts/kvm/checks <<'CHECKS'
static-hello artifacts/kvm/hello
brk artifacts/syscalls/brk
mmap artifacts/syscalls/mmap_anon
mprotect artifacts/syscalls/mprotect
getpid-ids artifacts/syscalls/proc_getppid_ids
sigsegv-handler artifacts/syscalls/proc_sigsegv_addr
segv-kill artifacts/syscalls/segv
sigfpe artifacts/syscalls/proc_sigfpe
sigill-trap artifacts/syscalls/proc_sigill_trap
signal-fpu artifacts/syscalls/proc_sig_fpu
signal-avx artifacts/syscalls/proc_sig_avx
arch-prctl artifacts/syscalls/arch_prctl
thread-futex artifacts/syscalls/proc_thread_create_join
thread-mutex artifacts/syscalls/proc_thread_mutex
thread-signal artifacts/syscalls/proc_thread_signal
fork-wait artifacts/syscalls/proc_fork_wait
fork-cow artifacts/syscalls/proc_fork_cow
fork-exec-wait artifacts/syscalls/proc_vfork_exec
exec-sh artifacts/syscalls/proc_exec_sh
busybox-pipeline /bin/busybox sh -c 'echo one two three | /bin/busybox tr " " "\n" | /bin/busybox sort -r | /bin/busybox wc -l'
CHECKS
cat > artifacts/kvm/run-checks.sh <<RUN
cd "$root"
failed=0
while read -r name cmd; do
  out=\$(eval timeout 60 "$sandbox" compare --platform kvm -- \$cmd 2>&1); rc=\$?
  if [ \$rc = 0 ]; then echo "KVM-CHECK PASS \$name"; else echo "KVM-CHECK FAIL \$name (rc \$rc)"; echo "\$out" | head -20 | sed 's/^/    /'; failed=\$((failed + 1)); fi
done < artifacts/kvm/checks
# The direct-KVM VMM (src/MicroVm/Kvm): a VM of its own on the nested /dev/kvm, two vCPUs, a
# busybox root on virtio-blk, the installed cloud kernel (a fresh cache holds no trimmed one),
# whose virtio-mmio devices come from the DSDT.
if ! ls /boot/vmlinuz-*-cloud-amd64 >/dev/null 2>&1; then
  echo "KVM-CHECK SKIP microvm-direct-vmm (no guest kernel: setup.d/microvm.packages installs linux-image-cloud-amd64)"
elif [ ! -x artifacts/microvm/agent/sandbox-agent ]; then
  echo "KVM-CHECK SKIP microvm-direct-vmm (the guest agent is not built: artifacts/microvm/agent/sandbox-agent)"
else
  mkdir -p /tmp/vmroot/bin && cp /bin/busybox /tmp/vmroot/bin/
  out=\$(SANDBOX_CACHE_DIR=/tmp/vmcache SANDBOX_RUN_DIR=/tmp/vmrun timeout 300 "$sandbox" microvm run --vmm kvm --cpus 2 --memory 256 --timing \\
    --rootfs /tmp/vmroot -- /bin/busybox sh -c 'echo cpus=\$(/bin/busybox nproc); exit 3' 2>&1); rc=\$?
  if [ \$rc = 3 ] && echo "\$out" | grep -q '^cpus=2'; then echo "KVM-CHECK PASS microvm-direct-vmm"; echo "\$out" | grep '^microvm:' | sed 's/^/    /'
  else echo "KVM-CHECK FAIL microvm-direct-vmm (rc \$rc)"; echo "\$out" | tail -30 | sed 's/^/    /'; failed=\$((failed + 1)); fi
fi
echo "KVM-CHECKS \$failed failed"
exit \$((failed > 0))
RUN
"$here/boot.sh" "ls -l /dev/kvm && sh $root/artifacts/kvm/run-checks.sh"

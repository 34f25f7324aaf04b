#!/bin/bash
# boot.sh 'COMMAND': runs COMMAND in the nested guest (prepare.sh first), where /dev/kvm
# exists, in the host's / mounted read-only (/tmp is an empty tmpfs). Prints the console,
# exits with COMMAND's status (125: the guest did not report one).
# Env: KVM_WORK, KVM_MEM (default 2G), KVM_TIMEOUT (seconds, default 600).
set -uo pipefail
work=${KVM_WORK:-/var/tmp/sandbox-kvm-guest}
[ -s "$work/vmlinux" ] && [ -s "$work/initrd.gz" ] || { echo "boot.sh: run tests/kvm/prepare.sh first" >&2; exit 125; }
# Under TCG the microvm machine cannot calibrate the TSC: give it the host's frequency.
khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
cmd=$(printf '%s' "$1" | base64 -w0)
console=$(mktemp)
timeout -k 5 "${KVM_TIMEOUT:-600}" qemu-system-x86_64 -machine microvm -accel tcg -cpu max -smp 1 -m "${KVM_MEM:-2G}" \
  -nographic -no-reboot -nodefaults -serial stdio -net none \
  -kernel "$work/vmlinux" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 tsc_early_khz=$khz tsc=reliable no_timer_check kvmcmd=$cmd" \
  -fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
  -device virtio-9p-device,fsdev=root,mount_tag=hostroot </dev/null 2>&1 | sed -u 's/\r$//' | tee "$console"
status=$(sed -n 's/^GUEST-EXIT \([0-9]*\)$/\1/p' "$console" | tail -1)
rm -f "$console"
exit "${status:-125}"

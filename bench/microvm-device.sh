#!/bin/bash
# MicroVm on a machine without .NET, QEMU or the kernel package (the hardware-KVM device):
#
#   bench/microvm-device.sh bundle     here: build artifacts/mvdev/bundle.tar.xz with the NativeAOT
#                                      sandbox CLI and agent, QEMU and virtiofsd with every library
#                                      they load (and Debian's loader, so the host's glibc does not
#                                      matter), the cloud kernel and the modules the guest needs
#   bench/microvm-device.sh run [RUNS] there: unpack it and run bench/microvm.sh with KVM (and one
#                                      TCG run for comparison)
set -uo pipefail
cd "$(dirname "$0")/.."
MV=artifacts/mvdev

bundle() {
  set -e
  local B; B=$(realpath -m "$MV/bundle"); rm -rf "$B"; mkdir -p "$B"/{bin,lib,qemu/modules,share/qemu,kernel,agent}
  dotnet build src/MicroVm -nologo -v:q >/dev/null    # publishes the agent
  dotnet publish src/Cli -c Release -r linux-x64 -p:PublishAot=true -o "$MV/cli" -nologo -v:q >/dev/null
  cp "$MV/cli/sandbox" "$B/bin/sandbox.real"
  cp artifacts/microvm/agent/sandbox-agent "$B/agent/"
  local qemu=/usr/bin/qemu-system-x86_64
  cp "$qemu" "$B/bin/qemu.real"; cp /usr/lib/qemu/virtiofsd "$B/bin/virtiofsd.real"
  cp /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so "$B/qemu/modules/"
  for f in "$B/bin/sandbox.real" "$B/bin/qemu.real" "$B/bin/virtiofsd.real" "$B/qemu/modules/accel-tcg-x86_64.so"; do
    ldd "$f" | awk '/=> \//{print $3} /^\s*\/lib64/{print $1}'
  done | sort -u | while read -r l; do cp -L "$l" "$B/lib/"; done
  cp -L /lib64/ld-linux-x86-64.so.2 "$B/lib/"
  for f in qboot.rom bios-microvm.bin pvh.bin linuxboot_dma.bin kvmvapic.bin; do cp -L "/usr/share/qemu/$f" "$B/share/qemu/"; done
  local k rel; k=$(ls /boot/vmlinuz-*-cloud-amd64 | sort | tail -1); rel=${k#/boot/vmlinuz-}
  cp "$k" "$B/kernel/"
  local M=/lib/modules/$rel
  mkdir -p "$B/kernel/modules"
  cp "$M/modules.dep" "$M/modules.builtin" "$B/kernel/modules/"
  for d in kernel/drivers/virtio kernel/fs/fuse kernel/drivers/char/virtio_console.ko; do
    mkdir -p "$B/kernel/modules/$(dirname $d)"; cp -r "$M/$d" "$B/kernel/modules/$d"
  done
  # The trimmed kernel of `sandbox microvm kernel --build`, when there is one: the direct-KVM VMM's.
  local t; t=$(ls -t "${SANDBOX_CACHE_DIR:-/var/cache/sandbox/microvm}"/kernel/vmlinux-* 2>/dev/null | head -1)
  if [ -n "$t" ]; then
    mkdir -p "$B/kernel/trimmed"; cp "$t" "$B/kernel/trimmed/"
    cp "$(dirname "$t")/config-${t##*/vmlinux-}" "$B/kernel/trimmed/"
  fi
  wrap() { # wrap NAME REAL [PREFIX-ENV] [EXTRA-ARGS]: run REAL through the bundled loader and libraries
    case "$B" in */artifacts/mvdev/bundle) ;; *) echo "refusing to write wrappers into $B" >&2; exit 1 ;; esac
    rm -f "$B/bin/$1"
    cat > "$B/bin/$1" <<WRAP
#!/bin/sh
B=\$(cd "\$(dirname "\$0")/.." && pwd)
${3:+$3 }exec "\$B/lib/ld-linux-x86-64.so.2" --library-path "\$B/lib" "\$B/bin/$2" ${4:+$4 }"\$@"
WRAP
  }
  wrap sandbox sandbox.real
  wrap qemu-system-x86_64 qemu.real 'QEMU_MODULE_DIR="$B/qemu/modules"' '-L "$B/share/qemu"'
  wrap virtiofsd virtiofsd.real
  chmod +x "$B/bin/"*
  tar -C "$B" -cf - . | xz -T2 -6 > "$MV/bundle.tar.xz"
  du -sh "$B" "$MV/bundle.tar.xz"
}

run() {
  # Everything also goes to $OUT/microvm-device.log where the device tool returns $OUT, and every
  # step has a time limit: a hung boot must not eat the whole device session.
  [ -n "${OUT:-}" ] && [ -d "${OUT:-}" ] && exec > >(tee "$OUT/microvm-device.log") 2>&1
  local RUNS=${1:-10}
  export RUN_TIMEOUT=${RUN_TIMEOUT:-40}
  local B; B=$(mktemp -d /tmp/mvdev.XXXX)
  [ -f "$MV/bundle.tar.xz" ] || { echo "no bundle: run 'bench/microvm-device.sh bundle' first"; exit 2; }
  tar -C "$B" -xJf "$MV/bundle.tar.xz" 2>/dev/null ||
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$MV/bundle.tar.xz" "$B" || exit 2
  export PATH="$B/bin:$PATH" SANDBOX_MICROVM_AGENT="$B/agent/sandbox-agent" SANDBOX_CACHE_DIR="$B/cache" SANDBOX_RUN_DIR="$B/run"
  export SANDBOX="$B/bin/sandbox"
  local K; K=$(ls "$B"/kernel/vmlinuz-*)
  local KARGS="--kernel $K --modules $B/kernel/modules --boot-timeout 30"
  echo "== host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) cpus, uid $(id -u)"
  ls -l /dev/kvm 2>&1
  grep -qwE 'vmx|svm' /proc/cpuinfo || { echo "no vmx/svm flag in /proc/cpuinfo: trying KVM anyway"; export SANDBOX_MICROVM_KVM=force; }
  "$SANDBOX" microvm check
  timeout 60 "$SANDBOX" microvm kernel --kernel "$K" --modules "$B/kernel/modules" 2>&1 | head -3
  echo "== first boot (KVM, debug console tail)"
  timeout -k 5 45 "$SANDBOX" microvm run $KARGS --share none --accel kvm --timing --debug --console-log "$B/console.log" -- /init --version
  local st=$?
  echo "status $st"; tail -n 25 "$B/console.log" | grep -vE '^\s*$'
  local NAT="$B/lib/ld-linux-x86-64.so.2 --library-path $B/lib $B/agent/sandbox-agent --version"
  if [ $st -eq 0 ]; then
    echo "== KVM, no share (workload: the agent binary, /init --version)"
    NATIVE="$NAT" MICROVM_ARGS="$KARGS --share none --accel kvm" bench/microvm.sh "$RUNS"
  fi
  if [ $st -eq 0 ] && [ "$(id -u)" = 0 ]; then
    echo "== KVM, the host's / shared by virtio-fs (workload: /bin/true)"
    WORKLOAD=/bin/true MICROVM_ARGS="$KARGS --accel kvm" bench/microvm.sh "$RUNS"
  fi
  local T; T=$(ls "$B"/kernel/trimmed/vmlinux-* 2>/dev/null | head -1)
  if [ -n "$T" ]; then
    echo "== direct-KVM VMM (--vmm kvm, the trimmed kernel; debug console tail)"
    timeout -k 5 45 "$SANDBOX" microvm run --vmm kvm --kernel "$T" --share none --boot-timeout 30 --timing --debug --console-log "$B/kvm-console.log" -- /init --version
    local kst=$?
    echo "status $kst"; tail -n 25 "$B/kvm-console.log" | grep -vE '^\s*$'
    if [ $kst -eq 0 ]; then
      NATIVE="$NAT" MICROVM_ARGS="--vmm kvm --kernel $T --share none --boot-timeout 30" bench/microvm.sh "$RUNS"
      echo "== QEMU with KVM and the trimmed kernel (everything built in)"
      NATIVE="$NAT" MICROVM_ARGS="--kernel $T --share none --accel kvm --boot-timeout 30" bench/microvm.sh "$RUNS"
    fi
  fi
  echo "== TCG for comparison"
  NATIVE="$NAT" MICROVM_ARGS="$KARGS --share none --accel tcg" bench/microvm.sh 2
  rm -rf "$B"
}

case "${1:-}" in
  bundle) bundle ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 bundle | run [RUNS]" >&2; exit 2 ;;
esac

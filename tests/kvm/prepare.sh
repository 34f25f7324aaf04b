#!/bin/bash
# Builds what boot.sh needs to give this machine a /dev/kvm: a Debian kernel that QEMU runs
# under software emulation (TCG) with an AMD SVM CPU, where it loads kvm_amd.
#   $KVM_WORK/vmlinux       the uncompressed kernel (boots in about half the time of bzImage)
#   $KVM_WORK/initrd.gz     busybox, the modules, guest-init
# Needs qemu-system-x86, busybox-static, cpio, xz-utils (setup.d/kvm.packages) and apt to
# download linux-image-amd64's kernel package once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${KVM_WORK:-/var/tmp/sandbox-kvm-guest}
mkdir -p "$work"
cd "$work"
for tool in qemu-system-x86_64 cpio xz; do
  command -v $tool >/dev/null || { echo "prepare.sh: $tool is missing (setup.d/kvm.packages)" >&2; exit 2; }
done
[ -x /bin/busybox ] || { echo "prepare.sh: /bin/busybox (busybox-static) is missing" >&2; exit 2; }

if [ ! -s vmlinux ] || [ ! -d kernel ]; then
  deb=$(ls debs/linux-image-*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
    [ -n "$pkg" ] || { echo "prepare.sh: no kernel package behind linux-image-amd64" >&2; exit 2; }
    mkdir -p debs && (cd debs && apt-get download "$pkg" >/dev/null)
    deb=$(ls debs/linux-image-*.deb | head -1)
  fi
  rm -rf kernel && dpkg-deb -x "$deb" kernel
  # vmlinuz is a bzImage whose payload is an xz stream: the ELF vmlinux.
  python3 - kernel/boot/vmlinuz-* <<'PY'
import sys, lzma
data = open(sys.argv[1], 'rb').read()
start = data.find(b'\xfd7zXZ\x00')
d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
open('vmlinux', 'wb').write(d.decompress(data[start:]))
PY
fi

modules=$(echo kernel/lib/modules/*/kernel)
rm -rf initrd && mkdir -p initrd/{bin,dev,proc,sys,root,modules}
cp /bin/busybox initrd/bin/
for applet in sh mount insmod chroot poweroff sed base64 cat echo mkdir; do ln -s busybox initrd/bin/$applet; done
# Load order matters: kvm needs irqbypass, kvm-amd needs ccp.
for m in virt/lib/irqbypass arch/x86/kvm/kvm drivers/crypto/ccp/ccp arch/x86/kvm/kvm-amd \
         drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio \
         net/9p/9pnet net/9p/9pnet_virtio fs/netfs/netfs fs/fscache/fscache fs/9p/9p; do
  src=$(ls "$modules/$m".ko* 2>/dev/null | head -1)
  [ -n "$src" ] || continue
  name=$(basename "$m").ko
  case $src in *.xz) xz -dc "$src" > "initrd/modules/$name" ;; *) cp "$src" "initrd/modules/$name" ;; esac
  echo "$name" >> initrd/modules/order
done
install -m 755 "$here/guest-init" initrd/init
(cd initrd && find . | cpio -o -H newc --quiet | gzip -1) > initrd.gz
echo "prepare.sh: guest ready in $work"

#!/bin/bash
# TCP throughput between a MicroVm and a peer network namespace, through the C# vhost-user-net
# back-end and through QEMU's own TAP netdev (virtio-net either way), measured in the same run.
#
#   bench/microvm-net.sh [MIB]        (default 64 MiB per transfer; root; python3 for the peer)
#
# env: SANDBOX  the sandbox command (default: the newest build of src/Cli, run with dotnet)
#      MICROVM_ARGS  extra `sandbox microvm run` options (e.g. --accel tcg)
#
# Topology (made here, removed on exit): netns "pod" with a bridge joining the VM's TAP and a
# veth to netns "peer" (10.77.0.1/24); the guest is 10.77.0.2/24. For each back-end and
# direction, the peer times the transfer from connect/accept to the other side's end of data.
set -uo pipefail
cd "$(dirname "$0")/.."
MIB=${1:-64}
if [ -z "${SANDBOX:-}" ]; then
  dll=$(ls -t src/Cli/bin/*/net10.0/sandbox.dll 2>/dev/null | head -1)
  [ -n "$dll" ] || { echo "build the CLI first (dotnet build), or set SANDBOX" >&2; exit 2; }
  SANDBOX="dotnet $dll"
fi
id=$$; POD=sbxbench-pod-$id; PEER=sbxbench-peer-$id
cleanup() { ip netns del $POD 2>/dev/null; ip netns del $PEER 2>/dev/null; }
trap cleanup EXIT
ip netns add $POD && ip netns add $PEER || exit 1
ip -n $POD link set lo up; ip -n $PEER link set lo up
ip -n $POD link add br0 type bridge; ip -n $POD link set br0 up
ip -n $POD tuntap add tap0 mode tap; ip -n $POD link set tap0 master br0 up
ip -n $POD link add vpod type veth peer name eth0 netns $PEER
ip -n $POD link set vpod master br0 up
ip -n $PEER addr add 10.77.0.1/24 dev eth0; ip -n $PEER link set eth0 up

# The peer: "send" connects to the guest's listener and sends MIB MiB, then waits for the
# guest's "done"; "recv" accepts the guest's connection and reads to end of stream.
peer() {
  ip netns exec $PEER python3 - "$1" "$MIB" <<'PY'
import socket, sys, time
mode, mib = sys.argv[1], int(sys.argv[2])
total = mib << 20
buf = bytes(1 << 16)
if mode == "send":
    deadline = time.time() + 120
    while True:
        try:
            s = socket.create_connection(("10.77.0.2", 5001), timeout=5); break
        except OSError:
            if time.time() > deadline: sys.exit("guest never listened")
            time.sleep(0.2)
    s.settimeout(300)
    t0 = time.time(); sent = 0
    while sent < total:
        sent += s.send(buf[: min(len(buf), total - sent)])
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096): pass
else:
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("10.77.0.1", 5002)); l.listen(1); l.settimeout(180)
    s, _ = l.accept(); s.settimeout(300)
    t0 = time.time(); got = 0
    while True:
        n = len(s.recv(1 << 16))
        if n == 0: break
        got += n
    sent = got
dt = time.time() - t0
print(f"{sent * 8 / dt / 1e6:.0f} Mbit/s ({sent >> 20} MiB in {dt:.2f} s)")
PY
}

count=$((MIB * 16))
for backend in vhost-user tap; do
  # shellcheck disable=SC2086
  $SANDBOX microvm run ${MICROVM_ARGS:-} --net 10.77.0.2/24,10.77.0.1 --netns $POD --tap tap0 --net-backend $backend -- \
    /bin/busybox sh -c "busybox nc -l -p 5001 -e busybox sh -c 'busybox cat >/dev/null; echo done'; \
      busybox sleep 1; busybox nc 10.77.0.1 5002 -e busybox dd if=/dev/zero bs=64k count=$count" >/dev/null 2>/tmp/microvm-net-$id.err &
  vm=$!
  down=$(peer send); up=$(peer recv)
  wait $vm || { echo "$backend: the VM run failed:"; cat /tmp/microvm-net-$id.err; }
  printf '%-11s peer -> guest %s\n%-11s guest -> peer %s\n' "$backend" "$down" "$backend" "$up"
done
rm -f /tmp/microvm-net-$id.err

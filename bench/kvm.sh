#!/usr/bin/env bash
# KVM platform benchmark: a getpid loop natively, under ptrace and under kvm, and the bare
# KVM_RUN round trip (bench/kvm_floor.c) with each way out of the guest, in one run.
# Prints ns per syscall and the ratios kvm/floor and kvm/ptrace (goals: <= 1.5 and <= 0.25).
# Without a usable /dev/kvm the kvm rows say why and are skipped. Inside the nested guest
# (tests/kvm/boot.sh) every exit is slow; the ratios there are not the hardware ones.
# Env: SANDBOX (the CLI; default: the Release build), N (getpid calls, default 20000), RUNS (3).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
N=${N:-20000}
RUNS=${RUNS:-3}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
figure() { # figure CMD...: median ns figure of RUNS runs (the last field of the output)
    for _ in $(seq "$RUNS"); do "$@" | awk '{ print $NF }'; done | median
}

native=$(figure "$out/getpid" "$N")
ptrace=$(figure "$sandbox" run --platform ptrace -- "$out/getpid" "$N")
printf '%-28s %12s ns/syscall\n' "native getpid" "$native" "ptrace getpid" "$ptrace"
if why=$("$out/kvm_floor" out 10 2>&1 >/dev/null); then
    kvm=$(figure "$sandbox" run --platform kvm -- "$out/getpid" "$N")
    floor=$(figure "$out/kvm_floor" out "$N")
    hlt=$(figure "$out/kvm_floor" hlt "$N")
    vmmcall=$(figure "$out/kvm_floor" vmmcall "$((N * 10))")
    printf '%-28s %12s ns/syscall\n' "kvm getpid" "$kvm" "floor: KVM_RUN via out" "$floor" \
        "floor: KVM_RUN via hlt" "$hlt" "in-kernel vmmcall (no exit)" "$vmmcall"
    awk -v k="$kvm" -v f="$floor" -v p="$ptrace" -v n="$native" 'BEGIN {
        printf "kvm/floor  %.2f  (goal <= 1.5)\nkvm/ptrace %.3f  (goal <= 0.25)\nkvm/native %.1f\n", k / f, k / p, k / n }'
else
    echo "kvm rows skipped: ${why:-/dev/kvm unusable}"
fi

#!/bin/bash
# MicroVm boot-to-workload against the native start of the same program, measured in one run.
#
#   bench/microvm.sh [RUNS]          (default 5)
#
# env: SANDBOX       the sandbox command (default: the newest build of src/Cli, run with dotnet;
#                    a NativeAOT build starts faster: SANDBOX=path/to/sandbox)
#      MICROVM_ARGS  extra `sandbox microvm run` options, e.g. "--accel tcg" or "--share none"
#      WORKLOAD      program and arguments (default /bin/busybox true; with --share none the
#                    guest's root is the initramfs, so the default is the agent's own
#                    `/init --version`, run natively as artifacts/microvm/agent/sandbox-agent)
#      NATIVE        the native command to compare with (default: WORKLOAD)
#      RUN_TIMEOUT   seconds one sandbox command may take (default 150)
#
# Prints, per run and as medians: agent ready (VM boot: QEMU start to the guest agent serving),
# workload done (VM boot + container + program run to its exit, measured by the launcher),
# the whole command's wall time (adds the sandbox CLI's own start), the VMM's memory overhead
# (QEMU RSS minus guest RAM), the native start of the workload, and the ratios.
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
if [ -z "${SANDBOX:-}" ]; then
  dll=$(ls -t src/Cli/bin/*/net10.0/sandbox.dll 2>/dev/null | head -1)
  [ -n "$dll" ] || { echo "build the CLI first (dotnet build), or set SANDBOX" >&2; exit 2; }
  SANDBOX="dotnet $dll"
fi
ARGS=${MICROVM_ARGS:-}
AGENT=${SANDBOX_MICROVM_AGENT:-artifacts/microvm/agent/sandbox-agent}
if [ -z "${WORKLOAD:-}" ]; then
  case " $ARGS " in
    *" --share none "*) WORKLOAD="/init --version"; NATIVE=${NATIVE:-"$AGENT --version"} ;;
    *) WORKLOAD="/bin/busybox true" ;;
  esac
fi
NATIVE=${NATIVE:-$WORKLOAD}
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

nat=(); for i in $(seq 1 $((RUNS * 4))); do s=$(now); $NATIVE >/dev/null 2>&1; e=$(now); nat+=($(( (e - s) / 1000 ))); done
native_us=$(printf '%s\n' "${nat[@]}" | median)

ready=(); done_=(); wall=(); over=(); accel=""
err=$(mktemp)
for i in $(seq 1 "$RUNS"); do
  s=$(now)
  # shellcheck disable=SC2086
  timeout -k 5 "${RUN_TIMEOUT:-150}" $SANDBOX microvm run --timing $ARGS -- $WORKLOAD </dev/null >/dev/null 2>"$err"; rc=$?
  e=$(now)
  if [ $rc -ne 0 ]; then echo "run $i failed (status $rc):"; cat "$err"; continue; fi
  r=$(sed -n 's/.*agent ready \([0-9]*\) ms.*/\1/p' "$err"); d=$(sed -n 's/.*exited with [0-9]* after \([0-9]*\) ms.*/\1/p' "$err")
  o=$(sed -n 's/.*at exit:.*VMM overhead \([0-9.]*\) MiB.*/\1/p' "$err"); accel=$(sed -n 's/^microvm: \([a-z-]*\), kernel.*/\1/p' "$err")
  w=$(( (e - s) / 1000000 ))
  ready+=("$r"); done_+=("$d"); wall+=("$w"); over+=("$o")
  echo "run $i ($accel): agent ready ${r} ms, workload done ${d} ms, command ${w} ms, VMM overhead ${o} MiB"
done
rm -f "$err"
[ ${#ready[@]} -gt 0 ] || { echo "no successful run"; exit 1; }
mr=$(printf '%s\n' "${ready[@]}" | median); md=$(printf '%s\n' "${done_[@]}" | median)
mw=$(printf '%s\n' "${wall[@]}" | median); mo=$(printf '%s\n' "${over[@]}" | median)
echo
echo "MicroVm ($accel, ${#ready[@]} runs, workload: $WORKLOAD; native: $NATIVE)"
printf '  %-44s %10s\n' "native start of the workload (median)" "$(awk -v u="$native_us" 'BEGIN{printf "%.2f ms", u/1000}')"
printf '  %-44s %10s\n' "VM boot to agent ready (median)" "$mr ms"
printf '  %-44s %10s\n' "VM boot to workload exit (median)" "$md ms"
printf '  %-44s %10s\n' "whole sandbox command (median)" "$mw ms"
printf '  %-44s %10s\n' "VMM overhead, QEMU RSS - guest RAM (median)" "$mo MiB"
awk -v d="$md" -v w="$mw" -v u="$native_us" 'BEGIN{printf "  ratio boot-to-workload / native start: %.0fx (whole command: %.0fx)\n", d*1000/u, w*1000/u}'

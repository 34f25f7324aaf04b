#!/usr/bin/env bash
# Foundation benchmark: syscall round trip and start-up, native vs. C SYSEMU tracer vs. sandbox.
# See bench/README.md. Usage: bench/run.sh   (from anywhere)
#
# Environment:
#   SANDBOX       sandbox CLI to use (default: src/Cli/bin/Release/net10.0/sandbox, built if stale)
#   SANDBOX_AOT   a NativeAOT-published sandbox binary to measure as well (optional)
#   RUNS          runs per getpid figure, median taken (default 5)
#   N             getpid calls per native run (default 200000)
#   TRACED_N      getpid calls per traced run: tracer and sandbox (default 20000)
#   STARTUP_RUNS  runs per start-up figure, median taken (default 20)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

RUNS=${RUNS:-5}
N=${N:-200000}
TRACED_N=${TRACED_N:-20000}
STARTUP_RUNS=${STARTUP_RUNS:-20}
out=artifacts/bench
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --- build -------------------------------------------------------------------------------------
make -s -C "$here" OUT="$root/$out/"

sandbox_error=""
if [[ -n "${SANDBOX:-}" ]]; then
    sandbox="$SANDBOX"
    [[ -x "$sandbox" ]] || sandbox_error="\$SANDBOX=$sandbox is not an executable file"
else
    sandbox=src/Cli/bin/Release/net10.0/sandbox
    stale=""
    if [[ ! -x "$sandbox" ]]; then
        stale=yes
    else
        stale="$(find src native Directory.Build.props \( -name bin -o -name obj \) -prune -o \
            -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.targets' \
            -o -name '*.c' -o -name '*.S' -o -name '*.h' -o -name Makefile \) \
            -newer "$sandbox" -print -quit 2>/dev/null || true)"
    fi
    if [[ -n "$stale" ]]; then
        echo "building the sandbox CLI: dotnet build -c Release src/Cli (log: $out/dotnet-build.log)" >&2
        if ! dotnet build -c Release src/Cli >"$out/dotnet-build.log" 2>&1; then
            sandbox_error="dotnet build -c Release src/Cli failed; see $out/dotnet-build.log"
        elif [[ ! -x "$sandbox" ]]; then
            sandbox_error="dotnet build succeeded but $sandbox does not exist"
        fi
    fi
fi
if [[ -n "${SANDBOX_AOT:-}" && ! -x "$SANDBOX_AOT" ]]; then
    echo "error: SANDBOX_AOT=$SANDBOX_AOT is not an executable file" >&2
    exit 2
fi

# Smoke test: does the sandbox run the benchmark at all? (Keeps the table free of half-rows.)
if [[ -z "$sandbox_error" ]] &&
    ! "$sandbox" run --platform ptrace -- "$out/getpid" 100 >"$tmp/smoke.out" 2>"$tmp/smoke.err"; then
    sandbox_error="'$sandbox run --platform ptrace -- $out/getpid 100' failed: $(tail -n 5 "$tmp/smoke.err")"
fi

# --- helpers -----------------------------------------------------------------------------------
median() { # numbers on stdin, one a line
    sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ns_per_call_median CMD...: runs CMD $RUNS times, prints the median of its ns_per_call lines.
ns_per_call_median() {
    : >"$tmp/samples"
    for ((i = 0; i < RUNS; i++)); do
        if ! "$@" >"$tmp/run.out" 2>"$tmp/run.err"; then
            echo "error: '$*' failed:" >&2
            tail -n 20 "$tmp/run.err" >&2
            return 1
        fi
        if ! awk '$1 == "ns_per_call" { print $2; found = 1 } END { exit !found }' \
            "$tmp/run.out" >>"$tmp/samples"; then
            echo "error: '$*' printed no ns_per_call line; its output:" >&2
            cat "$tmp/run.out" "$tmp/run.err" >&2
            return 1
        fi
    done
    median <"$tmp/samples"
}

startup_median() { # CMD...: median wall time of $STARTUP_RUNS runs, in ns
    "$out/timeit" "$STARTUP_RUNS" "$@" | awk '$1 == "median_ns" { print $2 }'
}

row_ns() { printf '  %-44s %12.1f ns/call  %9.2f us/call\n' "$1" "$2" "$(awk -v x="$2" 'BEGIN { print x / 1000 }')"; }
row_ms() { printf '  %-44s %10.3f ms\n' "$1" "$(awk -v x="$2" 'BEGIN { print x / 1e6 }')"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
na() { printf '  %-44s %12s\n' "$1" "n/a"; }

# --- syscall round trip ------------------------------------------------------------------------
echo "getpid round trip (median of $RUNS runs; $N calls/run native, $TRACED_N calls/run traced)"
native=$(ns_per_call_median "$out/getpid" "$N")
row_ns "native" "$native"
tracer=$(ns_per_call_median "$out/sysemu_tracer" "$out/getpid" "$TRACED_N")
row_ns "C SYSEMU tracer" "$tracer"
tracer_pin=$(ns_per_call_median "$out/sysemu_tracer" --pin "$out/getpid" "$TRACED_N")
row_ns "C SYSEMU tracer --pin (tracer+tracee, 1 CPU)" "$tracer_pin"
limit=$(printf '%s\n%s\n' "$tracer" "$tracer_pin" | sort -g | head -n 1)

sandbox_ns=""
if [[ -z "$sandbox_error" ]]; then
    sandbox_ns=$(ns_per_call_median "$sandbox" run --platform ptrace -- "$out/getpid" "$TRACED_N") ||
        sandbox_error="the sandbox failed during the getpid runs (see above)"
fi
if [[ -n "$sandbox_ns" ]]; then row_ns "sandbox run --platform ptrace" "$sandbox_ns"; else na "sandbox run --platform ptrace"; fi
aot_ns=""
if [[ -n "${SANDBOX_AOT:-}" ]]; then
    aot_ns=$(ns_per_call_median "$SANDBOX_AOT" run --platform ptrace -- "$out/getpid" "$TRACED_N") || true
    if [[ -n "$aot_ns" ]]; then row_ns "sandbox (NativeAOT) run --platform ptrace" "$aot_ns"; else na "sandbox (NativeAOT) run --platform ptrace"; fi
fi
echo "  limit = fastest C tracer row = $(awk -v x="$limit" 'BEGIN { printf "%.1f", x }') ns/call"
if [[ -n "$sandbox_ns" ]]; then
    echo "  sandbox / native = $(ratio "$sandbox_ns" "$native")x"
    echo "  sandbox / limit  = $(ratio "$sandbox_ns" "$limit")x   (goal: <= 1.3)"
fi
if [[ -n "$aot_ns" ]]; then
    echo "  sandbox (NativeAOT) / limit = $(ratio "$aot_ns" "$limit")x   (goal: <= 1.3)"
fi

# --- start-up ----------------------------------------------------------------------------------
echo
echo "start-up: wall time of a program that only exits (median of $STARTUP_RUNS runs)"
true_ns=$(startup_median "$out/true")
row_ms "native true" "$true_ns"
tracer_true_ns=$(startup_median "$out/sysemu_tracer" "$out/true")
row_ms "C SYSEMU tracer true" "$tracer_true_ns"
sandbox_true_ns=""
if [[ -z "$sandbox_error" ]]; then
    sandbox_true_ns=$(startup_median "$sandbox" run -- "$out/true") ||
        sandbox_error="'$sandbox run -- $out/true' failed (see above)"
fi
if [[ -n "$sandbox_true_ns" ]]; then row_ms "sandbox run true" "$sandbox_true_ns"; else na "sandbox run true"; fi
aot_true_ns=""
if [[ -n "${SANDBOX_AOT:-}" ]]; then
    aot_true_ns=$(startup_median "$SANDBOX_AOT" run -- "$out/true") || true
    if [[ -n "$aot_true_ns" ]]; then row_ms "sandbox (NativeAOT) run true" "$aot_true_ns"; else na "sandbox (NativeAOT) run true"; fi
fi
[[ -n "$sandbox_true_ns" ]] && echo "  sandbox / native = $(ratio "$sandbox_true_ns" "$true_ns")x"
[[ -n "$aot_true_ns" ]] && echo "  sandbox (NativeAOT) / native = $(ratio "$aot_true_ns" "$true_ns")x"

if [[ -n "$sandbox_error" ]]; then
    echo
    echo "error: no sandbox figures: $sandbox_error" >&2
    exit 1
fi
if [[ -n "${SANDBOX_AOT:-}" && ( -z "$aot_ns" || -z "$aot_true_ns" ) ]]; then
    echo "error: the NativeAOT sandbox ($SANDBOX_AOT) failed; see above" >&2
    exit 1
fi

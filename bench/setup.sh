# Sourced by the bench scripts: from the repository root, builds the C programs into
# artifacts/bench/ and the Release CLI (unless SANDBOX names one). Sets here, root, out, sandbox;
# defines median, figure (median of RUNS runs of a KEY value) and row (a native/sandbox line).
here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
out=artifacts/bench
make -s -C "$here" OUT="$root/$out/"
sandbox="${SANDBOX:-src/Cli/bin/Release/net10.0/sandbox}"
if [[ -z "${SANDBOX:-}" ]]; then dotnet build -c Release src/Cli -v q >/dev/null; fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# figure KEY CMD...: median of RUNS runs of the number printed after KEY
figure() {
    local key=$1; shift
    for _ in $(seq "$RUNS"); do "$@" | awk -v k="$key" '$1 == k {print $2}'; done | median
}
row() { # label native sandbox unit higher-is-better
    awk -v l="$1" -v n="$2" -v s="$3" -v u="$4" -v h="$5" 'BEGIN {
        r = (h == "yes") ? n / s : s / n;
        printf "  %-44s %10s %s   %10s %s   sandbox/native cost %.2fx\n", l, n, u, s, u, r }'
}

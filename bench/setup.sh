# Sourced by the bench scripts: from the repository root, builds the C programs into
# artifacts/bench/ and the Release CLI (unless SANDBOX names one). Sets here, root, out, sandbox.
here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
out=artifacts/bench
make -s -C "$here" OUT="$root/$out/"
sandbox="${SANDBOX:-src/Cli/bin/Release/net10.0/sandbox}"
if [[ -z "${SANDBOX:-}" ]]; then dotnet build -c Release src/Cli -v q >/dev/null; fi

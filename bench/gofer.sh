#!/bin/sh
# Gofer vs native in one run: sequential read (MB/s), random 4 KiB reads, stat of many files.
# Needs root (or user namespaces) like the Gofer itself. Options go to the benchmark:
#   --size-mib N (256)  --files N (10000)  --random-reads N (20000)  --dir DIR (temp dir)
set -eu
cd "$(dirname "$0")/.."
exec dotnet run -c Release --project bench/gofer -- "$@"

#!/usr/bin/env bash
# File benchmarks (the Gofer/VFS issue): native, sandbox --no-gofer ("direct": the Sentry
# reads the image itself) and the default sandbox ("gofer": the image through the Gofer over
# 9P, the Sentry confined) in one run, with ratios.
#   bench/files.sh        SANDBOX=path/to/sandbox to use another CLI build; SIZE_MB (1024)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
size=${SIZE_MB:-1024}
data=$(mktemp -d /var/tmp/sbx-bench-XXXXXX)
trap 'rm -rf "$data"' EXIT
dd if=/dev/urandom of="$data/big" bs=1M count="$size" status=none
{ find /usr -xdev -type f 2>/dev/null || true; } | head -10000 > "$data/list" || true
cat "$data/big" > /dev/null # warm the page cache for every column alike
files="$root/$out/files"
fig() { "$@" | awk '{print $2}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
row() { # label unit higher-is-better native direct gofer
  awk -v l="$1" -v u="$2" -v h="$3" -v n="$4" -v d="$5" -v g="$6" 'BEGIN {
    rd = (h == "yes") ? d / n : n / d; rg = (h == "yes") ? g / n : n / g;
    printf "  %-34s %10s %10s %10s %-5s  direct %.2fx  gofer %.2fx of native\n", l, n, d, g, u, rd, rg }'
}
sb=("$sandbox" run --no-gofer --)
sg=("$sandbox" run --)
echo "files benchmark (one run each; ratio = sandbox speed / native speed, 1 = as fast as native)"
printf "  %-34s %10s %10s %10s\n" "" native direct gofer
row "sequential read of ${size} MiB" MB/s yes "$(fig "$files" seqread "$data/big")" "$(fig "${sb[@]}" "$files" seqread "$data/big")" "$(fig "${sg[@]}" "$files" seqread "$data/big")"
row "random 4 KiB reads" us no "$(fig "$files" randread "$data/big" 20000)" "$(fig "${sb[@]}" "$files" randread "$data/big" 20000)" "$(fig "${sg[@]}" "$files" randread "$data/big" 20000)"
row "stat of 10,000 files" us no "$(fig "$files" stat "$data/list")" "$(fig "${sb[@]}" "$files" stat "$data/list")" "$(fig "${sg[@]}" "$files" stat "$data/list")"
row "find / -xdev | wc -l" ms no "$(ms find / -xdev)" "$(ms "${sb[@]}" /usr/bin/find / -xdev)" "$(ms "${sg[@]}" /usr/bin/find / -xdev)"
row "python3 -c 'import email, json, http.client'" ms no "$(ms python3 -c 'import email, json, http.client')" "$(ms "${sb[@]}" /usr/bin/python3 -c 'import email, json, http.client')" "$(ms "${sg[@]}" /usr/bin/python3 -c 'import email, json, http.client')"
row "tmpfs write, 256 MiB" MB/s yes "$(fig "$files" write /dev/shm 256)" "$(fig "${sb[@]}" "$files" write /dev/shm 256)" "$(fig "${sg[@]}" "$files" write /dev/shm 256)"

#!/bin/sh
# TCP throughput of the Sentry's C# stack (src/Netstack) against the host kernel, in one run:
# host kernel <-> C# stack (AF_PACKET on a veth end in a network namespace) vs host kernel <->
# host kernel over the same kind of veth, each direction, ratios printed. Needs root, iproute2
# and ethtool (setup.d/netstack.packages). Options go to the benchmark: --seconds N (5) --runs N (3)
set -eu
cd "$(dirname "$0")/.."
exec dotnet run -c Release --project bench/netstack -- "$@"

#!/bin/sh
# Installs what the project needs on a fresh Debian 12 machine (run as root; idempotent).
# The Debian packages are listed one file per part in setup.d/*.packages (one name per
# line, # comments). The .NET 10 SDK must already be on PATH.
set -eu
cd "$(dirname "$0")"
need=""
for pkg in $(cat setup.d/*.packages | sed 's/#.*//'); do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
    echo "setup.sh: installing$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
command -v dotnet >/dev/null 2>&1 || { echo "setup.sh: the .NET 10 SDK (dotnet) is not on PATH" >&2; exit 1; }

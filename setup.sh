#!/bin/sh
# Installs what the project needs on a fresh Debian 12 machine (run as root; idempotent):
# gcc, make and static glibc for the native pieces and the C test programs, and Debian's
# static busybox that the tests compare against. The .NET 10 SDK must already be on PATH.
set -eu
need=""
for pkg in gcc make libc6-dev busybox-static; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
    echo "setup.sh: installing$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $need >/dev/null
fi
command -v dotnet >/dev/null 2>&1 || { echo "setup.sh: the .NET 10 SDK (dotnet) is not on PATH" >&2; exit 1; }

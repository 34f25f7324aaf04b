# Compiles and runs a C program (gcc, cc1, as, collect2, ld: many processes and files in /tmp).
set -e
out=/tmp/gcc-build-$$
gcc -O2 "$(dirname "$0")/hello.c" -o "$out"
"$out"
rm -f "$out"

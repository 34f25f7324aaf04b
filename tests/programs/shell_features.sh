# Shell features that exercise fork, exec, pipes, signals and wait (run by bash and busybox sh).
set -e
trap 'echo "trapped USR1"' USR1
kill -USR1 $$
x=$(echo sub | tr a-z A-Z); echo "command substitution: $x"
( exit 4 ) || echo "subshell status $?"
d=/tmp/shell-features.$$; mkdir $d
for i in 1 2 3; do (sleep 0.0$i; echo "background $i" > $d/$i) & done
wait
cat $d/1 $d/2 $d/3; rm -r $d
echo "after wait"
ls -l /usr/bin | sort | head -3 | wc -l
find /usr/share/doc -name '*.gz' | wc -l
seq 1 2000 | grep 7 | tr -d '\n' | md5sum
f=/tmp/shell-features.$$; printf 'a\nb\n' > $f; read -r first < $f; echo "read: $first"; rm $f
sh -c 'kill -TERM $$'; echo "child killed by TERM: $?"
echo done

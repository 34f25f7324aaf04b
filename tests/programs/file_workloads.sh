#!/bin/sh
# File-heavy real workloads, each in its own fresh directory under /tmp; prints only what is
# the same on every run (counts, checksums, statuses), natively and in the sandbox.
set -e
w=$(mktemp -d /tmp/sbx-workloads-XXXXXX)
trap 'rm -rf "$w"' EXIT
cd "$w"

# tar: create and extract a tree, compare the listings
mkdir src
cp -r /usr/share/doc/tar /usr/share/doc/coreutils src/ 2>/dev/null || cp -r /usr/share/doc/libc6 src/
tar czf a.tgz -C src .
mkdir out && tar xzf a.tgz -C out
echo "tar: $(cd src && find . | sort | md5sum | cut -c1-8) $(cd out && find . | sort | md5sum | cut -c1-8) $(tar tzf a.tgz | wc -l)"
diff -r src out && echo "tar: trees equal"

# sqlite3: a database in /tmp with a WAL journal (shared-memory index file)
if command -v sqlite3 >/dev/null; then
  sqlite3 db.sqlite "pragma journal_mode=wal; create table t(k integer primary key, v text);
    with recursive n(i) as (select 1 union all select i+1 from n where i < 2000) insert into t(v) select 'row' || i from n;
    update t set v = upper(v) where k % 7 = 0; delete from t where k % 11 = 0;
    select count(*), sum(k), max(v) from t; pragma integrity_check;"
else
  echo "sqlite3 missing"
fi

# git: a repository with two commits
if command -v git >/dev/null; then
  git init -q repo && cd repo
  git config user.email t@example.com && git config user.name t
  echo one > a && git add a && GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' git commit -qm first
  echo two >> a && GIT_AUTHOR_DATE='2020-01-02T00:00:00Z' GIT_COMMITTER_DATE='2020-01-02T00:00:00Z' git commit -qam second
  echo "git: $(git rev-list --count HEAD) commits, head $(git rev-parse --short=10 HEAD), fsck $(git fsck --no-progress >/dev/null 2>&1 && echo ok)"
  cd ..
else
  echo "git missing"
fi

# python3 -m compileall over a copy of a package
mkdir py && cp -r /usr/lib/python3*/json py/ 2>/dev/null || true
python3 -m compileall -q py >/dev/null && echo "compileall: $(find py -name '*.pyc' | wc -l | awk '{print ($1 > 0) ? "pyc files" : "none"}')"

# make: a small multi-file C project
mkdir proj && cd proj
printf 'int f(void);\nint g(void);\nint main(void) { return f() + g() - 42; }\n' > main.c
printf 'int f(void) { return 40; }\n' > f.c
printf 'int g(void) { return 2; }\n' > g.c
printf 'app: main.o f.o g.o\n\tgcc -o app main.o f.o g.o\n%%.o: %%.c\n\tgcc -O2 -c $< -o $@\n' > Makefile
make -s && ./app && echo "make: built, ran, exit 0"
make -s && echo "make: nothing to rebuild"
touch f.c && make 2>&1 | grep -c gcc | sed 's/^/make: rebuilt with /; s/$/ gcc runs/'

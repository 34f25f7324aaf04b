/* Helpers for the file_* differential tests: a fresh scratch directory and paths in it. */
#ifndef SYSCALLS_FILES_H
#define SYSCALLS_FILES_H

#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

/* The scratch directory: under /tmp for behaviour every local filesystem shares, under
 * /dev/shm (tmpfs natively and in the sandbox) where the filesystem type shows. */
static char scratch[64];
static char path_bufs[8][4200];
static int path_next;

static inline void scratch_in(const char *base)
{
    snprintf(scratch, sizeof scratch, "%s/sbx-XXXXXX", base);
    if (!mkdtemp(scratch)) { perror("mkdtemp"); exit(99); }
}

/* scratch/name, in one of 8 rotating buffers. */
static inline const char *P(const char *name)
{
    char *p = path_bufs[path_next++ % 8];
    snprintf(p, sizeof path_bufs[0], "%s/%s", scratch, name);
    return p;
}

/* Removes name (relative to dirfd) and everything under it. */
static inline void remove_at(int dirfd, const char *name)
{
    if (unlinkat(dirfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM)) return;
    fchmodat(dirfd, name, 0700, 0);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    while (dir && (e = readdir(dir)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) remove_at(fd, e->d_name);
    if (dir) closedir(dir);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static inline void remove_tree(const char *path) { remove_at(AT_FDCWD, path); }

static inline void scratch_done(void) { remove_tree(scratch); }

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Prints a directory's names (without . and ..), sorted, on one line. */
static inline void list_dir(const char *label, const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) { printf("%s: opendir errno=%s\n", label, errname(errno)); return; }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && n < 256)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, n, sizeof names[0], cmp_names);
    printf("%s:", label);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

/* File type letter and permission bits of a path (lstat), or the errno. */
static inline void show_mode(const char *label, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    char t = S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : S_ISFIFO(st.st_mode) ? 'p' : S_ISCHR(st.st_mode) ? 'c' : '?';
    printf("%s: %c %04o\n", label, t, st.st_mode & 07777);
}

static inline long file_size(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (long)st.st_size : -1;
}

static inline long nlink_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

static inline void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { printf("write_file %s: errno=%s\n", path, errname(errno)); return; }
    if (write(fd, text, strlen(text)) < 0) printf("write_file: errno=%s\n", errname(errno));
    close(fd);
}

/* Prints a file's contents (up to 256 bytes) or the errno of opening it. */
static inline void show_file(const char *label, const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    char buf[257];
    ssize_t n = read(fd, buf, 256);
    close(fd);
    if (n < 0) { printf("%s: read errno=%s\n", label, errname(errno)); return; }
    buf[n] = 0;
    printf("%s: \"%s\"\n", label, buf);
}

static inline int same_inode(const char *a, const char *b)
{
    struct stat x, y;
    return lstat(a, &x) == 0 && lstat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

#endif

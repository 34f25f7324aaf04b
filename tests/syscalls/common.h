/* Shared helpers for the differential syscall tests.
 * Output must be identical natively and in the sandbox: never print pids, addresses,
 * timestamps, inode numbers or anything else that differs between two native runs. */
#ifndef SYSCALLS_COMMON_H
#define SYSCALLS_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline const char *errname(int e)
{
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case ENOTBLK: return "ENOTBLK";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ETXTBSY: return "ETXTBSY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case EDOM: return "EDOM";
    case ERANGE: return "ERANGE";
    case EDEADLK: return "EDEADLK";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOLCK: return "ENOLCK";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ENOMSG: return "ENOMSG";
    case EIDRM: return "EIDRM";
    case ENODATA: return "ENODATA";
    case ETIME: return "ETIME";
    case EOVERFLOW: return "EOVERFLOW";
    case EBADFD: return "EBADFD";
    case EILSEQ: return "EILSEQ";
    case ENOTSOCK: return "ENOTSOCK";
    case EMSGSIZE: return "EMSGSIZE";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EISCONN: return "EISCONN";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case ENETUNREACH: return "ENETUNREACH";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case ECONNABORTED: return "ECONNABORTED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENOTCONN: return "ENOTCONN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EALREADY: return "EALREADY";
    case EINPROGRESS: return "EINPROGRESS";
    case ESTALE: return "ESTALE";
    case EDQUOT: return "EDQUOT";
    case ECANCELED: return "ECANCELED";
    case EOWNERDEAD: return "EOWNERDEAD";
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "E#%d", e);
        return buf;
    }
    }
}

/* Print the (deterministic) return value and, when it is -1, the errno name. */
#define CHECK(name, expr)                                                                 \
    do {                                                                                  \
        errno = 0;                                                                        \
        long r_ = (long)(expr);                                                           \
        int e_ = errno;                                                                   \
        printf("%s: ret=%ld errno=%s\n", (name), r_, r_ == -1 ? errname(e_) : "0");       \
    } while (0)

/* Like CHECK, for calls whose successful result is not deterministic (fds, addresses,
 * lengths that depend on the host): prints "ok" on success. Returns the value. */
#define CHECK_OK(name, expr)                                                              \
    ({                                                                                    \
        errno = 0;                                                                        \
        long r_ = (long)(expr);                                                           \
        int e_ = errno;                                                                   \
        if (r_ == -1)                                                                     \
            printf("%s: ret=-1 errno=%s\n", (name), errname(e_));                         \
        else                                                                              \
            printf("%s: ok\n", (name));                                                   \
        r_;                                                                               \
    })

/* For functions that return an error number instead of setting errno (posix_*, pthread_*,
 * clock_nanosleep). */
#define CHECK_ERR(name, expr)                                                             \
    do {                                                                                  \
        int r_ = (int)(expr);                                                             \
        printf("%s: err=%s\n", (name), errname(r_));                                      \
    } while (0)

/* Print whether a condition holds. */
#define TRUE(name, cond) printf("%s: %s\n", (name), (cond) ? "true" : "false")

/* Addresses that are never mapped: NULL, a non-canonical one, and a kernel one. */
#define BAD_PTR ((void *)1)
#define KERNEL_PTR ((void *)0xffff880000000000UL)

#endif

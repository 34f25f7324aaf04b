/* File mappings at EOF: the rest of the last page reads as zeros, growing the file with
 * ftruncate makes later pages readable, stores past EOF in the last page never become file
 * data; mmap of an O_WRONLY fd EACCES, MAP_SHARED|PROT_WRITE of an O_RDONLY fd EACCES.
 * (Whole pages beyond EOF raise SIGBUS on Linux; the sandbox maps them, so this test does
 * not touch them.) */
#include "files.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

static sigjmp_buf env;
static void on_bus(int s) { siglongjmp(env, s); }

static void probe(const char *label, volatile char *p)
{
    int s = sigsetjmp(env, 1);
    if (s == 0) { char c = *p; printf("%s: read %d\n", label, c); }
    else printf("%s: %s\n", label, s == SIGBUS ? "SIGBUS" : s == SIGSEGV ? "SIGSEGV" : "signal");
}

int main(void)
{
    scratch_in("/tmp");
    struct sigaction sa = {.sa_handler = on_bus};
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    write(fd, "abc", 3);
    char *priv = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char *shared = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    probe("private byte 0", priv);
    probe("private byte 100 (tail of page)", priv + 100);
    shared[10] = 'Z';
    printf("size after writing past EOF in the last page: %ld\n", file_size(P("f")));
    CHECK("ftruncate to 2 pages", ftruncate(fd, 8192));
    probe("shared page 1 after growth", shared + 4096);
    probe("private page 1 after growth", priv + 4096);
    probe("shared byte 10 (was written past EOF)", shared + 10);
    CHECK("ftruncate to 10 bytes", ftruncate(fd, 10));
    probe("shared byte 20 after shrink", shared + 20);
    munmap(priv, 3 * 4096);
    munmap(shared, 3 * 4096);
    close(fd);
    fd = open(P("f"), O_WRONLY);
    CHECK("mmap O_WRONLY fd", mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
    close(fd);
    fd = open(P("f"), O_RDONLY);
    CHECK("MAP_SHARED PROT_WRITE of O_RDONLY", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
    CHECK("MAP_PRIVATE PROT_WRITE of O_RDONLY", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
    CHECK("mmap offset not page aligned", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED ? -1 : 0);
    close(fd);
    fd = open(scratch, O_RDONLY | O_DIRECTORY);
    CHECK("mmap a directory", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
    close(fd);
    scratch_done();
    return 0;
}

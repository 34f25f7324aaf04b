/* mremap: grow (moving), shrink in place, and duplicating a shared mapping with old_size 0. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int main(void){
  char *p = mmap(0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  strcpy(p, "hello"); strcpy(p+4096, "page2");
  char *q = mremap(p, 8192, 1<<20, MREMAP_MAYMOVE);
  printf("%s %s moved=%d\n", q, q+4096, q!=p);
  q[(1<<20)-1] = 1;
  char *r = mremap(q, 1<<20, 4096, 0); printf("shrink same=%d %s\n", r==q, r);
  char *s = mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0); strcpy(s, "shared");
  char *s2 = mremap(s, 0, 4096, MREMAP_MAYMOVE); strcpy(s2, "SHARED"); printf("dup sees %s\n", s);
  return 0; }

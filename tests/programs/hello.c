#include <stdio.h>
int main(void) { printf("hello from a program gcc built\n"); return 0; }

/* Protection keys from user space without libc: exit 42 after reading through a key
   whose access was re-enabled with WRPKRU (any argument), or die of SIGSEGV reading
   through a key allocated access-disabled (no argument). */
static long sys(long n, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

__attribute__((used)) void run(long *sp) {
    long argc = sp[0];
    volatile char *p = (char *) sys(9, 0, 4096, 3, 0x22, -1, 0);      /* mmap RW anonymous */
    p[0] = 42;
    long key = sys(330, 0, 1, 0, 0, 0, 0);                             /* pkey_alloc, access disabled */
    if (key <= 0) sys(60, 2, 0, 0, 0, 0, 0);
    if (sys(329, (long) p, 4096, 3, key, 0, 0) != 0) sys(60, 3, 0, 0, 0, 0, 0);  /* pkey_mprotect */
    unsigned pkru;
    __asm__ volatile("rdpkru" : "=a"(pkru) : "c"(0) : "rdx");
    if (!(pkru & (1u << (2 * key)))) sys(60, 4, 0, 0, 0, 0, 0);
    if (argc > 1) {
        __asm__ volatile("wrpkru" : : "a"(pkru & ~(3u << (2 * key))), "c"(0), "d"(0));
    }
    sys(60, p[0], 0, 0, 0, 0, 0);
}

__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call run\n hlt\n");

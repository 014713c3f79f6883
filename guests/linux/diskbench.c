/*
 * diskbench: a disk benchmark for Linux guests, without libc (raw system calls), so the same
 * tiny static binary runs inside any x86-64 Linux guest, on jvisor and on QEMU alike.
 *
 *   diskbench DEVICE MODE BLOCK_BYTES TOTAL_MIB [OPS]
 *   MODE: seqwrite | seqread | randwrite | randread
 *
 * Opens DEVICE with O_DIRECT (the guest's page cache would otherwise measure itself), does
 * sequential I/O over TOTAL_MIB, or OPS random block-aligned I/Os inside it, and prints
 *   diskbench MODE block=B bytes=N usec=T
 * which the host turns into MB/s and IOPS. A failed call prints its errno and exits 1.
 */
typedef unsigned long u64;
typedef long s64;

#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_pread64 17
#define SYS_pwrite64 18
#define SYS_fsync 74
#define SYS_clock_gettime 228
#define SYS_exit_group 231
#define O_RDWR 02
#define O_DIRECT 040000
#define CLOCK_MONOTONIC 1
#define MAX_BLOCK (1 << 20)

static char buffer[MAX_BLOCK] __attribute__((aligned(4096)));

static s64 sys4(s64 n, s64 a, s64 b, s64 c, s64 d)
{
    register s64 r10 __asm__("r10") = d;
    s64 ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}

static s64 sys3(s64 n, s64 a, s64 b, s64 c) { return sys4(n, a, b, c, 0); }

static u64 length(const char *s)
{
    u64 n = 0;
    while (s[n])
        n++;
    return n;
}

static void put(const char *s) { sys3(SYS_write, 1, (s64)s, (s64)length(s)); }

static void put_number(u64 v)
{
    char digits[24];
    int i = 23;
    digits[i] = 0;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(digits + i);
}

static void fail(const char *what, s64 err)
{
    put("diskbench: ");
    put(what);
    put(" failed, errno ");
    put_number((u64)-err);
    put("\n");
    sys3(SYS_exit_group, 1, 0, 0);
}

static u64 number(const char *s)
{
    u64 v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (u64)(*s++ - '0');
    return v;
}

static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static u64 now_usec(void)
{
    s64 ts[2];
    sys3(SYS_clock_gettime, CLOCK_MONOTONIC, (s64)ts, 0);
    return (u64)ts[0] * 1000000 + (u64)ts[1] / 1000;
}

/* xorshift64: a fixed sequence, so every run touches the same blocks. */
static u64 next_random(u64 *state)
{
    u64 x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void run(int argc, char **argv)
{
    if (argc < 5) {
        put("usage: diskbench DEVICE seqwrite|seqread|randwrite|randread BLOCK_BYTES TOTAL_MIB [OPS]\n");
        sys3(SYS_exit_group, 2, 0, 0);
    }
    const char *mode = argv[2];
    u64 block = number(argv[3]);
    u64 total = number(argv[4]) << 20;
    u64 ops = argc > 5 ? number(argv[5]) : 0;
    int write = same(mode, "seqwrite") || same(mode, "randwrite");
    int random = same(mode, "randread") || same(mode, "randwrite");
    if (block < 512 || block > MAX_BLOCK || block % 512 || total < block || (random && ops == 0)) {
        put("diskbench: bad block size, total or op count\n");
        sys3(SYS_exit_group, 2, 0, 0);
    }
    for (u64 i = 0; i < block; i++)
        buffer[i] = (char)(i * 131 + 7);
    s64 fd = sys3(SYS_open, (s64)argv[1], O_RDWR | O_DIRECT, 0);
    if (fd < 0)
        fail("open", fd);
    u64 count = random ? ops : total / block;
    u64 blocks = total / block;
    u64 state = 0x9E3779B97F4A7C15ul;
    u64 start = now_usec();
    for (u64 i = 0; i < count; i++) {
        u64 offset = (random ? next_random(&state) % blocks : i) * block;
        s64 n = sys4(write ? SYS_pwrite64 : SYS_pread64, fd, (s64)buffer, (s64)block, (s64)offset);
        if (n != (s64)block)
            fail(write ? "pwrite" : "pread", n < 0 ? n : -5);
    }
    if (write) {
        s64 r = sys3(SYS_fsync, fd, 0, 0);
        if (r < 0)
            fail("fsync", r);
    }
    u64 usec = now_usec() - start;
    sys3(SYS_close, fd, 0, 0);
    put("diskbench ");
    put(mode);
    put(" block=");
    put_number(block);
    put(" bytes=");
    put_number(count * block);
    put(" usec=");
    put_number(usec);
    put("\n");
    sys3(SYS_exit_group, 0, 0, 0);
}

/* The kernel leaves argc at the stack pointer, argv right above it. */
__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start_c\n\thlt\n");

void start_c(s64 *stack)
{
    run((int)stack[0], (char **)(stack + 1));
}

// Cross-modifying code the way HotSpot patches an nmethod's entry when it makes it not entrant:
// one thread rewrites the first instruction word of code another thread is about to run, with one
// aligned atomic store. On x86 hardware the running thread executes the old or the new
// instructions, never a mixture of their bytes; a mixture shows up as a value neither returns
// ("torn"). Old code still running seconds after the store is reported as "stale".
//
// Why tools/kvm-in-qemu.sh runs QEMU with -accel tcg,thread=single: QEMU 7.2's multi-threaded TCG
// shows both within a minute, single-threaded TCG and hardware show neither.
//
//   gcc -O2 -mno-red-zone -pthread -o /tmp/smc-race tools/smc-race.c
//   /tmp/smc-race 10                                                          # hardware
//   tools/kvm-in-qemu.sh '/tmp/smc-race 60'                                   # thread=single
//   JVISOR_KVM_QEMU_ACCEL=tcg,thread=multi tools/kvm-in-qemu.sh '/tmp/smc-race 60'
//
// Exit status 1 if torn or stale code was executed.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define SLOTS 4096                            // 64 pages of 64-byte "methods"
static const uint64_t A = 0x9090c311111111b8ull; // mov $0x11111111,%eax; ret  -> 0x11111111
static const uint64_t B = 0x9090c32222222205ull; // add $0x22222222,%eax; ret  -> 0x23222222 (eax=0x01000000)
static uint8_t *code;
static atomic_int entering = -1;                 // the slot the executor is about to call
static atomic_int stop;

static volatile uint64_t *slot(int k) { return (volatile uint64_t *)(code + 64 * k); }

static void *patcher(void *p) {
    unsigned delay = 0;
    (void)p;
    for (int last = -1, k; !atomic_load(&stop); last = k) {
        while (((k = atomic_load(&entering)) < 0 || k == last) && !atomic_load(&stop)) { }
        if (k < 0 || k == last) break;
        for (volatile unsigned i = 0; i < delay; i++) { }
        delay = (delay + 7) % 200;               // sweep the moment of the store over the translation
        __atomic_store_n(slot(k), B, __ATOMIC_SEQ_CST);
    }
    return 0;
}

static uint32_t call(volatile uint64_t *fn) {
    uint32_t r;
    __asm__ volatile("mov $0x01000000, %%eax\n\tcall *%1" : "=&a"(r) : "r"(fn) : "memory", "cc");
    return r;
}

int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : 20;
    code = mmap(0, 64 * SLOTS, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { perror("mmap"); return 2; }
    for (int k = 0; k < SLOTS; k++) *slot(k) = A;
    pthread_t t;
    pthread_create(&t, 0, patcher, 0);
    time_t end = time(0) + seconds;
    unsigned long patches = 0, calls = 0, torn = 0, stale = 0;
    for (int k = 0; time(0) < end; k = (k + 1) % SLOTS) {
        atomic_store(&entering, k);
        unsigned long n = 0;
        time_t since = time(0);
        uint32_t r;
        while ((r = call(slot(k))) != 0x23222222) {
            n++;
            if (r != 0x11111111) {
                if (torn++ < 10) printf("smc-race: torn instruction executed: eax=0x%08x (slot %d, patch %lu)\n", r, k, patches);
                break;
            }
            if ((n & 0xFFFFF) == 0 && time(0) > since + 5) {
                if (stale++ < 10) printf("smc-race: slot %d still runs the old code 5 s after it was entered\n", k);
                break;
            }
        }
        calls += n + 1;
        patches++;
        // Put the old code back for the next round; the patcher is waiting for another slot.
        atomic_store(&entering, -1);
        *slot(k) = A;
    }
    atomic_store(&stop, 1);
    pthread_join(t, 0);
    printf("smc-race: %lu patches, %lu calls, %lu torn, %lu stale\n", patches, calls, torn, stale);
    return torn || stale ? 1 : 0;
}

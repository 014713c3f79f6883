/*
 * The C reference for jvisor's exit benchmark (./jvisor bench exit): the cost of one I/O-port
 * exit round trip through KVM_RUN with nothing in between but a switch on the exit reason.
 *
 * It builds the VM the way jvisor's kvm engine does (memory slot, real-mode pages, in-kernel
 * irqchip and PIT, the host's supported CPUID), loads the same 32-bit protected-mode loop
 *
 *     loop: out 0x80, al / dec ecx / jnz loop / out 0xf4, al / hlt
 *
 * runs it once to warm up (ECX = warmup) and once measured (ECX = iterations), and prints
 *
 *     us_per_exit=<microseconds per exit> exits=<count>
 *
 * Usage: kvm_exit_bench ITERATIONS WARMUP
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE (2u << 20)
#define CODE 0x1000u
#define LOOP_PORT 0x80
#define STOP_PORT 0xf4

static const uint8_t guest[] = {0xe6, 0x80, 0x49, 0x75, 0xfb, 0xe6, 0xf4, 0xf4};

static void die(const char *what)
{
    fprintf(stderr, "kvm_exit_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int xioctl(int fd, unsigned long request, void *arg, const char *name)
{
    int rc;
    do {
        rc = ioctl(fd, request, arg);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0)
        die(name);
    return rc;
}

static void set_cpuid(int kvm, int vcpu)
{
    int n = 256;
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(struct kvm_cpuid_entry2));
    if (!cpuid)
        die("calloc");
    cpuid->nent = n;
    xioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid, "KVM_GET_SUPPORTED_CPUID");
    xioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
    free(cpuid);
}

static void flat(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
    memset(s, 0, sizeof(*s));
    s->base = 0;
    s->limit = 0xffffffffu;
    s->selector = selector;
    s->type = type;
    s->present = 1;
    s->s = 1;
    s->db = 1;
    s->g = 1;
}

static void enter_protected_mode(int vcpu, uint64_t iterations)
{
    struct kvm_sregs sregs;
    struct kvm_regs regs;
    xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
    flat(&sregs.cs, 0x08, 0xb);
    flat(&sregs.ds, 0x10, 0x3);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.cr0 = 0x11; /* PE | ET */
    sregs.cr4 = 0;
    sregs.efer = 0;
    xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
    memset(&regs, 0, sizeof(regs));
    regs.rip = CODE;
    regs.rflags = 0x2;
    regs.rcx = iterations;
    regs.rsp = 0x8000;
    xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

/* Runs the loop to the stop port; returns the number of exits. */
static uint64_t run_loop(int vcpu, struct kvm_run *run)
{
    uint64_t exits = 0, sink = 0;
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            die("KVM_RUN");
        }
        exits++;
        if (run->exit_reason != KVM_EXIT_IO) {
            fprintf(stderr, "kvm_exit_bench: unexpected exit %u\n", run->exit_reason);
            exit(1);
        }
        uint8_t *data = (uint8_t *)run + run->io.data_offset;
        if (run->io.port == STOP_PORT)
            return exits;
        if (run->io.port == LOOP_PORT && run->io.direction == KVM_EXIT_IO_OUT)
            sink += data[0];
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kvm_exit_bench ITERATIONS WARMUP\n");
        return 2;
    }
    uint64_t iterations = strtoull(argv[1], NULL, 0);
    uint64_t warmup = strtoull(argv[2], NULL, 0);
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("open /dev/kvm");
    int vm = xioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
    uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        die("mmap guest RAM");
    memcpy(ram + CODE, guest, sizeof(guest));
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE, .userspace_addr = (uintptr_t)ram,
    };
    xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
    uint64_t identity = 0xfffbc000;
    xioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &identity, "KVM_SET_IDENTITY_MAP_ADDR");
    if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
        die("KVM_SET_TSS_ADDR");
    xioctl(vm, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    xioctl(vm, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2");
    int vcpu = xioctl(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
    int mmap_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");
    set_cpuid(kvm, vcpu);

    enter_protected_mode(vcpu, warmup);
    run_loop(vcpu, run);

    struct timespec t0, t1;
    enter_protected_mode(vcpu, iterations);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t exits = run_loop(vcpu, run);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3;
    printf("us_per_exit=%.4f exits=%llu\n", us / exits, (unsigned long long)exits);
    return 0;
}

package jvisor.engine.kvm;

import java.lang.foreign.MemoryLayout;

/**
 * The KVM ioctls jvisor issues, numbered by the kernel's {@code _IOC} formula over the sizes of
 * the Java layouts they carry, so a layout of the wrong size gives a wrong number (and the layout
 * test, which compares every number with the C header, fails). Each constant's name is the C
 * macro's name, which is also what error messages show.
 */
enum KvmIoctl {
    // System ioctls, on the /dev/kvm descriptor.
    KVM_GET_API_VERSION(none(0x00)),
    KVM_CREATE_VM(none(0x01)),
    KVM_CHECK_EXTENSION(none(0x03)),
    KVM_GET_VCPU_MMAP_SIZE(none(0x04)),
    KVM_GET_SUPPORTED_CPUID(readWrite(0x05, KvmStructs.CPUID2)),

    // VM ioctls.
    KVM_CREATE_VCPU(none(0x41)),
    KVM_SET_USER_MEMORY_REGION(write(0x46, KvmStructs.USERSPACE_MEMORY_REGION)),
    KVM_SET_TSS_ADDR(none(0x47)),
    KVM_SET_IDENTITY_MAP_ADDR(write(0x48, KvmStructs.U64)),
    KVM_CREATE_IRQCHIP(none(0x60)),
    KVM_IRQ_LINE(write(0x61, KvmStructs.IRQ_LEVEL)),
    KVM_SET_GSI_ROUTING(write(0x6a, KvmStructs.IRQ_ROUTING)),
    KVM_CREATE_PIT2(write(0x77, KvmStructs.PIT_CONFIG)),
    KVM_GET_IRQCHIP(readWrite(0x62, KvmStructs.IRQCHIP)),
    KVM_SET_IRQCHIP(read(0x63, KvmStructs.IRQCHIP)),
    KVM_GET_PIT2(read(0x9f, KvmStructs.PIT_STATE2)),
    KVM_SET_PIT2(write(0xa0, KvmStructs.PIT_STATE2)),
    KVM_SIGNAL_MSI(write(0xa5, KvmStructs.MSI)),
    KVM_XEN_HVM_CONFIG(write(0x7a, KvmStructs.XEN_HVM_CONFIG)),

    // vCPU ioctls.
    KVM_RUN(none(0x80)),
    KVM_GET_REGS(read(0x81, KvmRegs.REGS)),
    KVM_SET_REGS(write(0x82, KvmRegs.REGS)),
    KVM_GET_SREGS(read(0x83, KvmRegs.SREGS)),
    KVM_SET_SREGS(write(0x84, KvmRegs.SREGS)),
    KVM_GET_MSRS(readWrite(0x88, KvmStructs.MSRS)),
    KVM_SET_MSRS(write(0x89, KvmStructs.MSRS)),
    KVM_GET_LAPIC(read(0x8e, KvmStructs.LAPIC_STATE)),
    KVM_SET_LAPIC(write(0x8f, KvmStructs.LAPIC_STATE)),
    KVM_GET_FPU(read(0x8c, KvmStructs.FPU)),
    KVM_SET_FPU(write(0x8d, KvmStructs.FPU)),
    KVM_SET_CPUID2(write(0x90, KvmStructs.CPUID2)),
    KVM_GET_XSAVE(read(0xa4, KvmStructs.XSAVE)),
    KVM_SET_XSAVE(write(0xa5, KvmStructs.XSAVE)),
    KVM_GET_MP_STATE(read(0x98, KvmStructs.MP_STATE)),
    KVM_SET_MP_STATE(write(0x99, KvmStructs.MP_STATE)),
    KVM_SET_GUEST_DEBUG(write(0x9b, KvmStructs.GUEST_DEBUG));

    /** KVM's ioctl type byte ({@code KVMIO}). */
    static final int KVMIO = 0xAE;

    private static final long IOC_NONE = 0;
    private static final long IOC_WRITE = 1;
    private static final long IOC_READ = 2;

    private final long number;

    KvmIoctl(long number) {
        this.number = number;
    }

    /** The request number passed to ioctl(2). */
    long number() {
        return number;
    }

    /** The kernel's {@code _IOC(dir, type, nr, size)}: direction in bits 30-31, size in 16-29, type 8-15, number 0-7. */
    static long ioc(long direction, int nr, long size) {
        if (size < 0 || size >= (1 << 14)) {
            throw new IllegalArgumentException("ioctl argument size out of range: " + size);
        }
        return (direction << 30) | (size << 16) | ((long) KVMIO << 8) | nr;
    }

    private static long none(int nr) {
        return ioc(IOC_NONE, nr, 0);
    }

    private static long read(int nr, MemoryLayout argument) {
        return ioc(IOC_READ, nr, argument.byteSize());
    }

    private static long write(int nr, MemoryLayout argument) {
        return ioc(IOC_WRITE, nr, argument.byteSize());
    }

    private static long readWrite(int nr, MemoryLayout argument) {
        return ioc(IOC_READ | IOC_WRITE, nr, argument.byteSize());
    }
}

package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import jvisor.engine.BiosPlatformState;
import jvisor.engine.GuestIo;
import jvisor.engine.GuestMemory;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;
import jvisor.sys.Posix;

/**
 * One KVM VM: guest RAM in memory slots, the in-kernel PIC, IOAPIC and local APICs
 * (KVM_CREATE_IRQCHIP), the in-kernel PIT (KVM_CREATE_PIT2), and its vCPUs. The ports and
 * addresses of those devices (0x20, 0xA0, 0x4D0, 0x40-0x43, 0x61, 0xFEC00000, 0xFEE00000) are
 * handled in the kernel and never reach jvisor's hook tables.
 */
final class KvmVm implements VirtualMachine {
    /**
     * Three pages KVM's VMX back end needs for real-mode guests (a TSS) and one page for the
     * identity page table it uses while the guest has paging off; both outside RAM (which ends at
     * 3 GiB below 4 GiB) and outside the IOAPIC, LAPIC and BIOS areas. Ignored on AMD.
     */
    static final long IDENTITY_MAP_ADDR = 0xFFFB_C000L;
    static final long TSS_ADDR = 0xFFFB_D000L;
    static final long TSS_END = TSS_ADDR + 3 * PcLayout.PAGE;

    private final KvmEngine engine;
    private final KvmFd vm;
    private final int cpuCount;
    private final Arena arena = Arena.ofShared();
    private final KvmIrqLine[] lines = new KvmIrqLine[PcLayout.IOAPIC_PINS];
    private final KvmCpu[] cpus;
    private final KvmMsi msi;
    /** Whether every VMCALL/VMMCALL exits to jvisor (KvmHypercalls), for BitVisor's vmmcall. */
    private final boolean hypercalls;
    private boolean closed;

    private KvmVm(KvmEngine engine, KvmFd vm, int cpuCount, boolean hypercalls) {
        this.engine = engine;
        this.hypercalls = hypercalls;
        this.vm = vm;
        this.cpuCount = cpuCount;
        this.cpus = new KvmCpu[cpuCount];
        this.msi = new KvmMsi(vm, arena);
        for (int gsi = 0; gsi < lines.length; gsi++) {
            int line = IrqRouting.kvmLine(gsi);
            lines[gsi] = line == gsi ? new KvmIrqLine(vm, line, arena) : null;
        }
    }

    /** {@code vmctl.vminit}: the VM, its RAM and its platform devices; no vCPUs yet. */
    static KvmVm create(KvmEngine engine, VmSpec spec) {
        if (spec.cpuCount() > engine.maxCpus()) {
            throw new IllegalArgumentException(spec.cpuCount() + " processors; this KVM allows " + engine.maxCpus());
        }
        KvmFd vm = new KvmFd(engine.system().ioctl(KvmIoctl.KVM_CREATE_VM, 0));
        try {
            addMemory(vm, spec.ram(), engine.memorySlots());
            // Both before any vCPU exists (KVM refuses the identity map address afterwards).
            try (Arena arena = Arena.ofConfined()) {
                vm.ioctl(KvmIoctl.KVM_SET_IDENTITY_MAP_ADDR, arena.allocateFrom(KvmStructs.U64, IDENTITY_MAP_ADDR));
            }
            vm.ioctl(KvmIoctl.KVM_SET_TSS_ADDR, TSS_ADDR);
            vm.ioctl(KvmIoctl.KVM_CREATE_IRQCHIP, 0);
            IrqRouting.install(vm);
            createPit(vm);
            boolean hypercalls = KvmHypercalls.available(engine.xenHvmFlags());
            if (hypercalls) {
                KvmHypercalls.intercept(vm);
            }
            return new KvmVm(engine, vm, spec.cpuCount(), hypercalls);
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /**
     * One memory slot per piece of the processors' view: RAM, and with firmware the ROM and the
     * legacy window's pieces (read-only where the chipset write-protects them). When the chipset
     * changes the view (PAM registers), the slots that differ are deleted and added again; the
     * processor that wrote the register is in jvisor at that moment and the others wait for SIPI
     * or halt, as firmware does this only during POST.
     */
    private static void addMemory(KvmFd vm, GuestMemory ram, int slots) {
        MemorySlots memorySlots = new MemorySlots(vm, ram, slots);
        memorySlots.sync();
        ram.firmware().ifPresent(f -> f.onChange(memorySlots::sync));
    }

    private static final class MemorySlots {
        private final KvmFd vm;
        private final GuestMemory ram;
        private final int slots;
        private java.util.List<GuestMemory.Region> current = java.util.List.of();

        MemorySlots(KvmFd vm, GuestMemory ram, int slots) {
            this.vm = vm;
            this.ram = ram;
            this.slots = slots;
        }

        synchronized void sync() {
            java.util.List<GuestMemory.Region> wanted = ram.cpuRegions();
            if (wanted.size() > slots) {
                throw new IllegalStateException(wanted.size() + " memory regions; this KVM has " + slots + " slots");
            }
            long hostBase = ram.segment().address();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment region = arena.allocate(KvmStructs.USERSPACE_MEMORY_REGION);
                int count = Math.max(current.size(), wanted.size());
                for (int slot = 0; slot < count; slot++) {
                    GuestMemory.Region old = slot < current.size() ? current.get(slot) : null;
                    GuestMemory.Region r = slot < wanted.size() ? wanted.get(slot) : null;
                    if (java.util.Objects.equals(old, r)) {
                        continue;
                    }
                    if (old != null) {
                        set(region, slot, new GuestMemory.Region(old.guestPhysical(), old.hostOffset(), 0), hostBase);
                    }
                    if (r != null) {
                        if (r.guestPhysical() < TSS_END && r.end() > IDENTITY_MAP_ADDR) {
                            throw new IllegalStateException("guest memory " + r + " overlaps KVM's real-mode pages");
                        }
                        set(region, slot, r, hostBase);
                    }
                }
            }
            current = wanted;
        }

        private void set(MemorySegment region, int slot, GuestMemory.Region r, long hostBase) {
            KvmStructs.REGION_SLOT.set(region, 0L, slot);
            KvmStructs.REGION_FLAGS.set(region, 0L, r.readOnly() ? KvmConst.KVM_MEM_READONLY : 0);
            KvmStructs.REGION_GUEST_PHYS_ADDR.set(region, 0L, r.guestPhysical());
            KvmStructs.REGION_MEMORY_SIZE.set(region, 0L, r.size());
            KvmStructs.REGION_USERSPACE_ADDR.set(region, 0L, hostBase + r.hostOffset());
            vm.ioctl(KvmIoctl.KVM_SET_USER_MEMORY_REGION, region);
        }
    }

    private static void createPit(KvmFd vm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = arena.allocate(KvmStructs.PIT_CONFIG);
            KvmStructs.PIT_CONFIG_FLAGS.set(config, 0L, KvmConst.KVM_PIT_SPEAKER_DUMMY);
            vm.ioctl(KvmIoctl.KVM_CREATE_PIT2, config);
        }
    }

    /**
     * KVM_CREATE_VCPU with vCPU id = APIC ID = {@code index}, on the calling thread, which must be
     * the one that runs it (kicks signal that thread). KVM leaves every vCPU but 0 in
     * UNINITIALIZED, waiting for the guest's INIT/SIPI. KVM returns port and MMIO accesses as
     * exits; {@code io} is not called directly.
     */
    @Override
    public synchronized VirtualCpu createCpu(int index, GuestIo io) {
        if (closed) {
            throw new IllegalStateException("VM closed");
        }
        if (index < 0 || index >= cpuCount || cpus[index] != null) {
            throw new IllegalArgumentException("processor " + index + " of " + cpuCount + " cannot be created");
        }
        KvmFd fd = new KvmFd(vm.ioctl(KvmIoctl.KVM_CREATE_VCPU, index));
        MemorySegment mapping = null;
        try {
            mapping = Posix.mmapShared(fd.fd(), engine.vcpuMmapSize());
            var cpuid = CpuidTopology.forCpu(engine.supportedCpuid(), index, cpuCount);
            KvmCpuid.set(fd, hypercalls ? KvmHypercalls.withoutPvHypercalls(cpuid) : cpuid);
            VcpuSetup.setBootMsrs(fd);
            VcpuSetup.programLintPins(fd, index == 0);
            KvmCpu cpu = new KvmCpu(index, fd, mapping, new ThreadKicker(KickSignal.install()), arena,
                    engine.guestDebugFlags(), engine.hasXsave());
            cpus[index] = cpu;
            return cpu;
        } catch (RuntimeException e) {
            if (mapping != null) {
                Posix.munmap(mapping);
            }
            fd.close();
            throw e;
        }
    }

    /** Whether the guest's VMCALL/VMMCALL reach jvisor (a kernel with CONFIG_KVM_XEN), else KVM answers them. */
    boolean interceptsHypercalls() {
        return hypercalls;
    }

    /**
     * The in-kernel PICs and PIT as the firmware's writes would leave them: each chip's state read
     * with KVM_GET_IRQCHIP / KVM_GET_PIT2, the registers the firmware sets changed, written back.
     * KVM_SET_PIT2 reloads every counter, which starts counter 0 in its periodic mode.
     */
    @Override
    public void setBiosPlatformState(BiosPlatformState state) {
        try (Arena a = Arena.ofConfined()) {
            setPic(a, KvmConst.KVM_IRQCHIP_PIC_MASTER, state.masterVectorBase(), state.masterMask(),
                    state.masterElcr());
            setPic(a, KvmConst.KVM_IRQCHIP_PIC_SLAVE, state.slaveVectorBase(), state.slaveMask(), state.slaveElcr());
            MemorySegment pit = a.allocate(KvmStructs.PIT_STATE2);
            vm.ioctl(KvmIoctl.KVM_GET_PIT2, pit);
            long counter0 = 0; // channels[0]
            KvmStructs.PIT_CHANNEL_COUNT.set(pit, counter0, state.counter0Reload());
            KvmStructs.PIT_CHANNEL_RW_MODE.set(pit, counter0, (byte) PIT_LOW_THEN_HIGH);
            KvmStructs.PIT_CHANNEL_READ_STATE.set(pit, counter0, (byte) PIT_LOW_THEN_HIGH);
            KvmStructs.PIT_CHANNEL_WRITE_STATE.set(pit, counter0, (byte) PIT_LOW_THEN_HIGH);
            KvmStructs.PIT_CHANNEL_MODE.set(pit, counter0, (byte) state.counter0Mode());
            KvmStructs.PIT_CHANNEL_BCD.set(pit, counter0, (byte) 0);
            KvmStructs.PIT_CHANNEL_GATE.set(pit, counter0, (byte) 1);
            vm.ioctl(KvmIoctl.KVM_SET_PIT2, pit);
        }
    }

    /** KVM's access-mode value for "low byte, then high byte" (the control word's bits 5:4 = 3). */
    private static final int PIT_LOW_THEN_HIGH = 3;

    /** One PIC initialised (ICW1-ICW4 done, 8086 mode, normal EOI) with its mask and ELCR. */
    private void setPic(Arena a, int chip, int vectorBase, int mask, int elcr) {
        MemorySegment s = a.allocate(KvmStructs.IRQCHIP);
        KvmStructs.IRQCHIP_CHIP_ID.set(s, 0L, chip);
        vm.ioctl(KvmIoctl.KVM_GET_IRQCHIP, s);
        long pic = KvmStructs.IRQCHIP_PIC;
        int elcrMask = (byte) KvmStructs.PIC_ELCR_MASK.get(s, pic) & 0xFF;
        int edgeAndLevel = elcr & elcrMask;
        // ICW1 forgets edge-latched requests; level-sensed lines keep theirs.
        KvmStructs.PIC_IRR.set(s, pic, (byte) ((byte) KvmStructs.PIC_IRR.get(s, pic) & edgeAndLevel));
        KvmStructs.PIC_LAST_IRR.set(s, pic, (byte) 0);
        KvmStructs.PIC_IRQ_BASE.set(s, pic, (byte) vectorBase);
        KvmStructs.PIC_IMR.set(s, pic, (byte) mask);
        KvmStructs.PIC_ELCR.set(s, pic, (byte) edgeAndLevel);
        KvmStructs.PIC_INIT4.set(s, pic, (byte) 1);
        KvmStructs.PIC_INIT_STATE.set(s, pic, (byte) 0);
        vm.ioctl(KvmIoctl.KVM_SET_IRQCHIP, s);
    }

    @Override
    public IrqLine irqLine(int gsi) {
        return lines[IrqRouting.kvmLine(gsi)];
    }

    @Override
    public void signalMsi(long address, int data) {
        msi.signal(address, data);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        msi.close();
        for (KvmIrqLine line : lines) {
            if (line != null) {
                line.close();
            }
        }
        for (KvmCpu cpu : cpus) {
            if (cpu != null) {
                cpu.close();
            }
        }
        vm.close();
        arena.close();
    }
}

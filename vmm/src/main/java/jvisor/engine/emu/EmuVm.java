package jvisor.engine.emu;

import jvisor.bus.InterruptRemapper;
import jvisor.bus.IrqLine;
import jvisor.engine.BiosPlatformState;
import jvisor.engine.GuestIo;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;
import jvisor.engine.emu.cpu.CodePages;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.exec.SharedRegions;

/** A VM on the emu engine: guest RAM, the Java platform devices, and one {@link EmuCpu} per processor. */
public final class EmuVm implements VirtualMachine {
    private final VmSpec spec;
    private final EmuPlatform platform;
    private final Tsc tsc;
    private final CodePages codePages;
    private final SharedRegions regions = new SharedRegions();
    private final long crystalHz;
    private final boolean tscDeadline;

    /**
     * @param crystalHz the rate the platform's APIC timer counts at (CPUID 0x15 reports it)
     * @param tscDeadline whether the platform's APIC timer has TSC-deadline mode (CPUID advertises it)
     */
    EmuVm(VmSpec spec, EmuPlatform platform, Tsc tsc, long crystalHz, boolean tscDeadline) {
        this.spec = spec;
        this.platform = platform;
        this.tsc = tsc;
        this.codePages = new CodePages(spec.ram().segment().byteSize());
        spec.ram().observeDeviceWrites(codePages::deviceWrote);
        this.crystalHz = crystalHz;
        this.tscDeadline = tscDeadline;
    }

    @Override
    public VirtualCpu createCpu(int index, GuestIo io) {
        Cpu cpu = new Cpu(index, spec.ram(), codePages, tsc);
        cpu.cpuCount = spec.cpuCount();
        cpu.crystalHz = crystalHz;
        cpu.tscDeadline = tscDeadline;
        if (spec.vendor() != null) {
            cpu.vendor = spec.vendor();
        }
        cpu.connect(io, platform.localInterrupts(index));
        return new EmuCpu(cpu, regions);
    }

    @Override
    public IrqLine irqLine(int gsi) {
        return platform.irqLine(gsi);
    }

    @Override
    public void signalMsi(long address, int data) {
        platform.signalMsi(address, data);
    }

    /** The platform's devices sit on the VM's port bus: the firmware's own writes set them. */
    @Override
    public void setBiosPlatformState(BiosPlatformState state) {
        for (BiosPlatformState.PortWrite w : state.portWrites()) {
            spec.ports().write(w.port(), 1, w.value());
        }
    }

    @Override
    public boolean remapIoApicInterrupts(InterruptRemapper remapper) {
        return platform.remapIoApicInterrupts(remapper);
    }

    @Override
    public void close() {
        platform.close();
    }
}

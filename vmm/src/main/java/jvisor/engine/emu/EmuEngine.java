package jvisor.engine.emu;

import jvisor.engine.Engine;
import jvisor.engine.EngineKind;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;
import jvisor.engine.emu.platform.PcPlatform;

/** The emu engine: jvisor's own x86-64 processor in Java, for hosts where kvm is absent or slow. */
public final class EmuEngine implements Engine {
    private EmuEngine() { }

    public static Engine open() {
        return new EmuEngine();
    }

    /** Opens the engine with its log going to {@code log}; {@code verbose} also shows what guests probe for. */
    public static Engine open(java.io.PrintStream log, boolean verbose) {
        EmuLog.setOutput(log);
        EmuLog.setVerbose(verbose);
        return new EmuEngine();
    }

    @Override
    public EngineKind kind() {
        return EngineKind.EMU;
    }

    @Override
    public String description() {
        return "emu: jvisor's x86-64 interpreter in Java (decoded blocks, lazy flags, software TLB)";
    }

    @Override
    public VirtualMachine createVm(VmSpec spec) {
        Tsc tsc = new Tsc();
        // No TSC-deadline timer: Linux then runs its boot-time tick on the periodic local APIC
        // timer, whose late ticks the platform reinjects. With deadlines it emulates the periodic
        // tick itself and drops every tick it takes late, and until fs_initcall its clock counts
        // those ticks, so an emulated guest's uptime would fall behind the host's.
        return new EmuVm(spec, PcPlatform.create(spec, tsc), tsc, PcPlatform.APIC_TIMER_HZ, false);
    }

    @Override
    public void close() { }
}

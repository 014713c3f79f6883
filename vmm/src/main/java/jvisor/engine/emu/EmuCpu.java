package jvisor.engine.emu;

import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.IoExit;
import jvisor.engine.MmioExit;
import jvisor.engine.VirtualCpu;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.StateTransfer;
import jvisor.engine.emu.exec.Interpreter;
import jvisor.engine.emu.exec.SharedRegions;

/**
 * A virtual processor of the emu engine. Port and MMIO accesses go straight to the VMM's
 * {@link jvisor.engine.GuestIo} from the instruction that makes them, so {@link #run()} never
 * returns IO or MMIO exits.
 */
public final class EmuCpu implements VirtualCpu {
    /** Instructions retired by every emu processor of this JVM, for the benchmark harness. */
    private static final java.util.concurrent.atomic.LongAdder RETIRED = new java.util.concurrent.atomic.LongAdder();

    private final Cpu cpu;
    private long reported;
    private final Interpreter interpreter;
    private volatile String failure;

    EmuCpu(Cpu cpu, SharedRegions regions) {
        this.cpu = cpu;
        this.interpreter = new Interpreter(cpu, regions);
    }

    @Override
    public int index() {
        return cpu.index();
    }

    /** Runs the guest; a Java exception here is a jvisor bug, reported as an internal error, never thrown. */
    @Override
    public ExitReason run() {
        try {
            return interpreter.run();
        } catch (RuntimeException | StackOverflowError e) {
            failure = "emulation failed at rip " + Long.toHexString(cpu.rip()) + ": " + e;
            EmuLog.once("internal" + e.getClass().getName() + cpu.rip(), failure);
            return ExitReason.INTERNAL_ERROR;
        } finally {
            long now = interpreter.retired();
            RETIRED.add(now - reported);
            reported = now;
        }
    }

    /** Instructions retired by all emu processors in this JVM so far (counted when run() returns). */
    public static long retiredInThisJvm() {
        return RETIRED.sum();
    }

    @Override
    public IoExit io() {
        throw new IllegalStateException("the emu engine delivers port I/O itself and never exits for it");
    }

    @Override
    public MmioExit mmio() {
        throw new IllegalStateException("the emu engine delivers MMIO itself and never exits for it");
    }

    @Override
    public CpuState state() {
        return StateTransfer.read(cpu);
    }

    @Override
    public void setState(CpuState state) {
        StateTransfer.write(cpu, state);
        interpreter.stateLoaded();
    }

    @Override
    public boolean setGuestDebug(jvisor.engine.GuestDebug debug) {
        interpreter.setDebug(debug.active() ? debug : null);
        return true;
    }

    @Override
    public jvisor.engine.DebugStop debugStop() {
        jvisor.engine.GuestDebug.Watchpoint w = interpreter.watchHit();
        return w == null ? null
                : new jvisor.engine.DebugStop(jvisor.engine.DebugStop.Cause.WATCHPOINT, w.address(), w.access());
    }

    /** Sees every call and return while set (the call tracer); null turns it off. */
    public void setControlObserver(jvisor.engine.emu.exec.ControlObserver observer) {
        interpreter.setControlObserver(observer);
    }

    @Override
    public void kick() {
        interpreter.requestStop();
    }

    @Override
    public String describeExit() {
        String f = failure;
        return f != null ? f : interpreter.lastEvent() + " (" + interpreter.retired() + " instructions retired)";
    }

    @Override
    public String engineStats() {
        long all = interpreter.retired();
        long compiled = interpreter.retiredInRegions();
        return String.format(java.util.Locale.ROOT,
                "%,d instructions, %,d (%.0f%%) in compiled regions over %,d runs; %,d regions compiled in this JVM"
                        + " (%,d dropped unbuilt: their code had stopped running)",
                all, compiled, all == 0 ? 0.0 : 100.0 * compiled / all, interpreter.regionRuns(),
                Interpreter.regionsCompiled(), Interpreter.regionsDropped());
    }

    /** How often this processor compared a decoded block's bytes with memory to find it current (tests). */
    public long codeComparisons() {
        return interpreter.codeComparisons();
    }

    /** Instructions this processor has completed in compiled regions. */
    public long retiredInRegions() {
        return interpreter.retiredInRegions();
    }

    /** Instructions this processor has completed. */
    public long retired() {
        return interpreter.retired();
    }

    /** After how many interpreted runs a block is compiled to bytecode (tier 1), on this thread; 0 or less never. */
    public void setCompileThreshold(int runs) {
        interpreter.setCompileThreshold(runs, false);
    }

    /** Whether regions compiled by {@link #setCompileThreshold} are at once the form made for C2 (for tests). */
    public void setCompileForC2(boolean forC2) {
        interpreter.setCompileForC2(forC2);
    }

    /** After how many instructions a compiled region is compiled again for HotSpot's optimizing compiler. */
    public void setPromoteAfter(long instructions) {
        interpreter.setPromoteAfter(instructions);
    }

    /** As {@link #setCompileThreshold(int)}, but compiled on the background compiler as in normal runs. */
    public void setBackgroundCompileThreshold(int runs) {
        interpreter.setCompileThreshold(runs, true);
    }

    /** The processor itself, for tests and benchmarks. */
    public Cpu processor() {
        return cpu;
    }
}

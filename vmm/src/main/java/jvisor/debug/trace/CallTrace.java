package jvisor.debug.trace;

import java.io.IOException;
import jvisor.boot.BadInputException;
import jvisor.boot.DebugOptions;
import jvisor.core.InitFunction;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.core.Vmm;
import jvisor.engine.EngineKind;
import jvisor.engine.emu.EmuCpu;

/**
 * {@code --trace-calls}: loads the symbols in the global stage, puts a {@link CallTracer} on every
 * emu processor in the driver stage (all virtual processors exist then), and prints the call tree
 * (and writes --trace-out) when the VM has stopped.
 */
public final class CallTrace implements AutoCloseable {
    private final Vmm vmm;
    private final DebugOptions options;
    private final Symbols symbols;
    private final CallTree tree;
    private final ChromeTrace chrome;
    private final CallTracer[] tracers;

    private CallTrace(Vmm vmm, DebugOptions options, Symbols symbols) {
        this.vmm = vmm;
        this.options = options;
        this.symbols = symbols;
        this.tree = new CallTree(vmm.cpuCount());
        this.chrome = options.traceOut() == null ? null : new ChromeTrace(vmm.cpuCount(), options.traceDepth());
        this.tracers = new CallTracer[vmm.cpuCount()];
        for (int i = 0; i < tracers.length; i++) {
            tracers[i] = new CallTracer(symbols, tree, chrome, i);
        }
    }

    @InitFunction(stage = Stage.GLOBAL, order = 5)
    public static void prepare(Processor p) {
        Vmm vmm = p.vmm();
        DebugOptions o = vmm.config().debug();
        if (!o.traceCalls()) {
            return;
        }
        if (vmm.engine().kind() != EngineKind.EMU) {
            throw new BadInputException("--trace-calls works on the emu engine only: add --engine emu");
        }
        CallTrace trace = new CallTrace(vmm, o, Symbols.load(o.symbols()));
        vmm.provide(CallTrace.class, trace);
        vmm.onTeardown(trace);
    }

    @InitFunction(stage = Stage.DRIVER, order = 9)
    public static void attach(Processor p) {
        p.vmm().provided(CallTrace.class).ifPresent(trace -> {
            for (int i = 0; i < p.vmm().cpuCount(); i++) {
                if (p.vmm().processor(i).vcpu() instanceof EmuCpu emu) {
                    emu.setControlObserver(trace.tracers[i]);
                }
            }
        });
    }

    public CallTree tree() {
        return tree;
    }

    public Symbols symbols() {
        return symbols;
    }

    /** Prints the tree (and writes the JSON): the processors have stopped by the time teardown runs. */
    @Override
    public void close() {
        long now = System.nanoTime();
        for (int i = 0; i < tracers.length; i++) {
            if (vmm.processor(i).hasVcpu() && vmm.processor(i).vcpu() instanceof EmuCpu emu) {
                emu.setControlObserver(null);
                now = emu.processor().tsc().now();
            }
        }
        for (CallTracer t : tracers) {
            t.finish(now);
        }
        tree.print(vmm.console().log(), symbols, options.traceDepth(), options.traceFilter());
        if (chrome != null) {
            try {
                chrome.write(options.traceOut());
                vmm.console().log().println("jvisor: call trace written to " + options.traceOut()
                        + (chrome.dropped() > 0 ? " (" + chrome.dropped() + " deeper or later calls left out)" : ""));
            } catch (IOException e) {
                vmm.console().log().println("jvisor: cannot write " + options.traceOut() + ": " + e.getMessage());
            }
        }
    }
}

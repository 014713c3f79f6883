package jvisor.core;

import jvisor.debug.DebugAgent;
import jvisor.engine.ExitReason;
import jvisor.engine.VirtualCpu;

/**
 * BitVisor's {@code vt_mainloop}: run the guest, dispatch the exit, until the VM stops. One per
 * processor thread; the exit path reads the engine's exit record in place and allocates nothing.
 */
final class MainLoop {
    private MainLoop() { }

    static void run(Processor p) {
        Vmm vmm = p.vmm();
        VirtualCpu cpu = p.vcpu();
        IoDispatch io = vmm.vm().dispatch(p.number());
        ExitStats stats = vmm.stats(p.number());
        DebugAgent debug = vmm.provided(DebugAgent.class).orElse(null);
        vmm.enterMainLoop();
        try {
            if (debug != null) {
                debug.enterMainLoop(p);
            }
            loop(p, vmm, cpu, io, stats, debug);
        } finally {
            vmm.leaveMainLoop();
        }
    }

    private static void loop(Processor p, Vmm vmm, VirtualCpu cpu, IoDispatch io, ExitStats stats, DebugAgent debug) {
        while (!vmm.stopping()) {
            ExitReason reason = cpu.run();
            stats.exit(reason);
            switch (reason) {
                case IO -> io.dispatch(cpu.io());
                case MMIO -> io.dispatch(cpu.mmio());
                case STOPPED -> {
                    if (debug != null) {
                        debug.stopped(p, false);
                    }
                    vmm.parkWhilePaused();
                }
                case DEBUG -> {
                    if (debug != null) {
                        debug.stopped(p, true);
                    }
                }
                case HYPERCALL -> vmm.vmmcall().call(p);
                case HLT -> {
                    haltForever(p);
                    return;
                }
                case SHUTDOWN -> vmm.requestShutdown(tripleFault(vmm, p));
                case POWER_OFF -> vmm.requestShutdown(new ShutdownCause.PowerOff("platform event"));
                case RESET -> vmm.requestShutdown(new ShutdownCause.Reset("platform event"));
                case FAIL_ENTRY, INTERNAL_ERROR, SYSTEM_EVENT, UNHANDLED ->
                        vmm.requestShutdown(new ShutdownCause.GuestError(p.number(), reason, cpu.describeExit()));
            }
        }
    }

    /**
     * A PC's chipset answers a processor's shutdown cycle (a triple fault) with a reset. With
     * firmware to restart that is what jvisor does too, as QEMU does by default; a kernel loaded
     * directly has nothing to restart, so the run stops with the registers dumped.
     */
    static ShutdownCause tripleFault(Vmm vmm, Processor p) {
        if (vmm.config().kernel() instanceof jvisor.boot.GuestImage.Firmware) {
            return new ShutdownCause.Reset("processor " + p.number() + " triple-faulted");
        }
        return new ShutdownCause.TripleFault(p.number());
    }

    /**
     * The engine reported a halt nothing can end (interrupts off, no NMI source). The processor
     * stays parked; once every processor is parked the VM is over.
     */
    private static void haltForever(Processor p) {
        Vmm vmm = p.vmm();
        vmm.trace().step(p, "halted", "interrupts disabled; parked");
        if (vmm.haltedProcessors().incrementAndGet() == vmm.cpuCount()) {
            vmm.requestShutdown(new ShutdownCause.AllHalted());
        }
    }
}

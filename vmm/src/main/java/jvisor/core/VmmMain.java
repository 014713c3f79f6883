package jvisor.core;

import jvisor.boot.BootConfig;
import jvisor.boot.Console;

/**
 * The boot path, top-down, as in BitVisor's {@code main.c}: {@code vmm_main} runs the global stage
 * and starts all processors; each runs its own stages and joins {@code create_pass_vm}, which
 * starts the VM and enters the main loop.
 */
public final class VmmMain {
    private VmmMain() { }

    /**
     * {@code vmm_main}: boots the guest described by {@code config} and returns jvisor's exit
     * status once the VM has stopped. Bad input found in the global stage is thrown as
     * {@link jvisor.boot.BadInputException} before any processor starts.
     */
    public static int run(BootConfig config, Console console) {
        return run(config, console, vmm -> { });
    }

    /** As {@link #run(BootConfig, Console)}; {@code onStart} gets the VMM first (the console's monitor uses it). */
    public static int run(BootConfig config, Console console, java.util.function.Consumer<Vmm> onStart) {
        return run(config, console, new InitRegistry(), onStart);
    }

    static int run(BootConfig config, Console console, InitRegistry initfuncs) {
        return run(config, console, initfuncs, vmm -> { });
    }

    /** Resets in a row after which a firmware boot gives up: a guest that only ever resets is stuck. */
    static final int MAX_RESETS = 100;

    /**
     * A machine that boots through firmware restarts from the reset vector when the guest resets
     * it (0xCF9, the keyboard controller, port 0x92, a triple fault): a fresh run of the VMM with
     * the same configuration, as a PC's reset line re-initialises the chipset and its devices.
     * A kernel booted directly has no firmware to restart, so a reset ends the run as before.
     */
    static int run(BootConfig config, Console console, InitRegistry initfuncs, java.util.function.Consumer<Vmm> onStart) {
        for (int resets = 0; ; resets++) {
            Vmm vmm = new Vmm(config, console, initfuncs);
            int status = runOnce(vmm, config, initfuncs, onStart);
            boolean restart = vmm.shutdownCause() instanceof ShutdownCause.Reset
                    && config.kernel() instanceof jvisor.boot.GuestImage.Firmware && resets < MAX_RESETS;
            if (!restart) {
                return status;
            }
            vmm.trace().message("Reset: restarting from the reset vector.");
        }
    }

    private static int runOnce(Vmm vmm, BootConfig config, InitRegistry initfuncs, java.util.function.Consumer<Vmm> onStart) {
        onStart.accept(vmm);
        try (var signals = HostSignals.install(vmm)) {
            Processor bsp = vmm.bsp();
            vmm.trace().step(bsp, "vmm_main", config.cpus() + " processors, " + config.kernel().name());
            initfuncs.call(Stage.GLOBAL, bsp);
            vmm.trace().step(bsp, "start_all_processors", "");
            Processors.startAll(vmm, VmmMain::bspProc, VmmMain::apProc);
            return VmmReport.finish(vmm);
        } finally {
            vmm.closeAll();
        }
    }

    /** {@code bsp_proc}. */
    static void bspProc(Processor p) {
        p.vmm().initfuncs().call(Stage.BSP, p);
        p.vmm().initfuncs().callParallel(p);
        p.vmm().initfuncs().call(Stage.PCPU, p);
        PassVm.create(p);
    }

    /** {@code ap_proc}. */
    static void apProc(Processor p) {
        p.vmm().initfuncs().call(Stage.AP, p);
        p.vmm().initfuncs().callParallel(p);
        p.vmm().initfuncs().call(Stage.PCPU, p);
        PassVm.create(p);
    }
}

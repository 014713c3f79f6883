package jvisor.debug;

import jvisor.core.Processor;

/**
 * A debugger attached to the VM (the gdb stub), as the main loop sees it. Provided to the VMM in
 * the global stage ({@code Vmm.provide}); without one the main loop calls nothing.
 */
public interface DebugAgent {
    /** On processor {@code p}'s thread before it first runs the guest (--gdb-wait parks it here). */
    void enterMainLoop(Processor p);

    /**
     * On {@code p}'s thread after a STOPPED exit ({@code debugEvent} false: perhaps the debugger
     * kicked it) or a DEBUG exit (true: a breakpoint or a step). Returns when {@code p} may run again.
     */
    void stopped(Processor p, boolean debugEvent);
}

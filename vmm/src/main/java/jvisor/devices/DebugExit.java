package jvisor.devices;

import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.ShutdownCause;
import jvisor.core.Stage;

/**
 * QEMU's isa-debug-exit: any write to its four ports ends the VM with status
 * {@code (value << 1) | 1}, which lets a test guest report pass or fail as its exit status.
 */
public final class DebugExit implements PortHandler {
    /** QEMU's default iosize. */
    public static final int PORTS = 4;

    private final ShutdownRequester shutdown;

    public DebugExit(ShutdownRequester shutdown) {
        this.shutdown = shutdown;
    }

    @InitFunction(stage = Stage.DRIVER, order = 1)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        vm.ports().register(PcLayout.DEBUG_EXIT, PORTS, new DebugExit(vm::requestShutdown), "debug-exit");
    }

    @Override
    public int read(int port, int size) {
        return PortHandler.floating(size);
    }

    @Override
    public void write(int port, int size, int value) {
        shutdown.requestShutdown(new ShutdownCause.DebugExit(value));
    }
}

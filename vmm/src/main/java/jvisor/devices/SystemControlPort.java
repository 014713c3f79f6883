package jvisor.devices;

import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.ShutdownCause;
import jvisor.core.Stage;

/**
 * System Control Port A (0x92): bit 0 resets the machine on its rising edge ("fast reset"), bit 1
 * is the alternate A20 gate. The chipset ORs that bit with the keyboard controller's A20 output;
 * neither engine masks address line 20 (KVM cannot), so the bit only reads back.
 */
public final class SystemControlPort implements PortHandler {
    static final int FAST_RESET = 0x01;
    static final int ALT_A20 = 0x02;

    private final ShutdownRequester shutdown;
    /** Firmware leaves A20 enabled. */
    private int value = ALT_A20;

    public SystemControlPort(ShutdownRequester shutdown) {
        this.shutdown = shutdown;
    }

    @InitFunction(stage = Stage.DRIVER, order = 1)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        vm.ports().register(PcLayout.SYSTEM_CONTROL_A, 1, new SystemControlPort(vm::requestShutdown),
                "system control port A");
    }

    @Override
    public synchronized int read(int port, int size) {
        return value | (PortHandler.floating(size) & ~0xFF);
    }

    /** Only a 0-to-1 transition resets, so a guest that writes back what it read does not. */
    @Override
    public synchronized void write(int port, int size, int newValue) {
        newValue &= 0xFF;
        boolean reset = (newValue & FAST_RESET) != 0 && (value & FAST_RESET) == 0;
        value = newValue;
        if (reset) {
            shutdown.requestShutdown(new ShutdownCause.Reset("port 0x92"));
        }
    }

    public synchronized boolean a20() {
        return (value & ALT_A20) != 0;
    }
}

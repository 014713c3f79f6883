package jvisor.devices;

import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;
import jvisor.core.InitFunction;
import jvisor.core.Processor;
import jvisor.core.Stage;

/**
 * Port 0x80, where firmware writes its POST codes and where Linux's {@code outb_p} writes to
 * pause. As in QEMU 7.2's pc machine, writes are accepted and reads return all ones; the last code
 * written is kept for the VMM's own diagnostics.
 */
public final class PostCode implements PortHandler {
    private volatile int lastCode = -1;

    @InitFunction(stage = Stage.DRIVER, order = 1)
    public static void attach(Processor p) {
        p.vm().ports().register(PcLayout.POST_CODE, 1, new PostCode(), "POST code");
    }

    @Override
    public int read(int port, int size) {
        return PortHandler.floating(size);
    }

    @Override
    public void write(int port, int size, int value) {
        lastCode = value & 0xFF;
    }

    /** The last byte written, or -1 if none was. */
    public int lastCode() {
        return lastCode;
    }
}

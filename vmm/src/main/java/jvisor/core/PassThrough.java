package jvisor.core;

import java.util.concurrent.atomic.LongAdder;
import jvisor.bus.MmioHandler;
import jvisor.bus.PortHandler;

/**
 * The pass-through policy for what no device hooks. BitVisor passes such accesses to the real
 * hardware; jvisor has none behind the guest, so it models the floating bus: reads return all
 * ones, writes are dropped, both are counted.
 */
public final class PassThrough implements PortHandler, MmioHandler {
    private final LongAdder reads = new LongAdder();
    private final LongAdder writes = new LongAdder();

    @InitFunction(stage = Stage.PASS, order = 0)
    static void installDefaults(Processor p) {
        PassThrough floating = p.vm().passThrough();
        p.vm().ports().setDefault(floating, IoDispatch.UNHOOKED);
        p.vm().mmio().setDefault(floating);
    }

    @Override
    public int read(int port, int size) {
        reads.increment();
        return PortHandler.floating(size);
    }

    @Override
    public void write(int port, int size, int value) {
        writes.increment();
    }

    @Override
    public long read(long address, int size) {
        reads.increment();
        return MmioHandler.floating(size);
    }

    @Override
    public void write(long address, int size, long value) {
        writes.increment();
    }

    public long reads() {
        return reads.sum();
    }

    public long writes() {
        return writes.sum();
    }
}

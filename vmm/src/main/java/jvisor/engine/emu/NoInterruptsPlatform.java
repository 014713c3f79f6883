package jvisor.engine.emu;

import java.util.concurrent.locks.LockSupport;
import jvisor.bus.IrqLine;
import jvisor.engine.SystemRegisters;

/**
 * A stand-in platform that delivers no interrupts at all: its local APICs never have events and
 * its interrupt lines go nowhere. It lets the processor run guests that poll (serial output,
 * debug exit) until the real platform ({@code PcPlatform}) is wired in.
 */
public final class NoInterruptsPlatform implements EmuPlatform {
    private final Local[] locals;

    public NoInterruptsPlatform(int cpus) {
        locals = new Local[cpus];
        for (int i = 0; i < cpus; i++) {
            locals[i] = new Local(i);
        }
    }

    @Override
    public LocalInterrupts localInterrupts(int cpu) {
        return locals[cpu];
    }

    @Override
    public IrqLine irqLine(int gsi) {
        return IrqLine.NONE;
    }

    @Override
    public void close() {
        for (Local l : locals) {
            l.wake();
        }
    }

    /** A local APIC with no interrupt sources: registers read as zero, HLT sleeps until woken. */
    static final class Local implements LocalInterrupts {
        private final int id;
        private volatile long apicBase;
        private volatile long tscDeadline;
        private volatile boolean woken;
        private volatile Thread sleeper;

        Local(int id) {
            this.id = id;
            this.apicBase = SystemRegisters.APIC_BASE_DEFAULT | (id == 0 ? SystemRegisters.APIC_BASE_BSP : 0);
        }

        @Override
        public boolean hasEvents() {
            return false;
        }

        @Override
        public int pendingInterrupt() {
            return -1;
        }

        @Override
        public void acknowledge(int vector) { }

        @Override
        public boolean takeNmi() {
            return false;
        }

        @Override
        public boolean takeInit() {
            return false;
        }

        @Override
        public int takeSipi() {
            return -1;
        }

        @Override
        public void awaitEvent() {
            sleeper = Thread.currentThread();
            while (!woken) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    break;
                }
            }
            woken = false;
            sleeper = null;
        }

        @Override
        public void wake() {
            woken = true;
            Thread t = sleeper;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }

        @Override
        public int apicId() {
            return id;
        }

        @Override
        public long mmioRead(int offset, int size) {
            return 0;
        }

        @Override
        public void mmioWrite(int offset, int size, long value) { }

        @Override
        public long apicBaseMsr() {
            return apicBase;
        }

        @Override
        public void setApicBaseMsr(long value) {
            apicBase = value;
        }

        @Override
        public long tscDeadlineMsr() {
            return tscDeadline;
        }

        @Override
        public void setTscDeadlineMsr(long value) {
            tscDeadline = value;
        }
    }
}

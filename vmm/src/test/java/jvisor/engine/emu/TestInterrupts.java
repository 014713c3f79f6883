package jvisor.engine.emu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import jvisor.engine.SystemRegisters;

/** A local interrupt controller driven by the test: queue interrupts, NMIs, INIT and SIPI by hand. */
public final class TestInterrupts implements LocalInterrupts {
    private final Deque<Integer> pending = new ArrayDeque<>();
    /** Like the real local APIC: the processor polls one volatile flag per block. */
    private volatile boolean events;
    public final List<Integer> acknowledged = new ArrayList<>();
    private boolean nmi;
    private boolean init;
    private int sipi = -1;
    private long apicBase = SystemRegisters.APIC_BASE_DEFAULT | SystemRegisters.APIC_BASE_BSP;
    private long deadline;
    public int tpr;
    public final List<long[]> apicWrites = new ArrayList<>();

    public synchronized void raise(int vector) {
        pending.add(vector);
        update();
    }

    public synchronized void raiseNmi() {
        nmi = true;
        update();
    }

    public synchronized void sendInit() {
        init = true;
        update();
    }

    public synchronized void sendSipi(int vector) {
        sipi = vector;
        update();
    }

    private void update() {
        events = !pending.isEmpty() || nmi || init || sipi >= 0;
    }

    @Override
    public boolean hasEvents() {
        return events;
    }

    @Override
    public synchronized int pendingInterrupt() {
        return pending.isEmpty() ? -1 : pending.peek();
    }

    @Override
    public synchronized void acknowledge(int vector) {
        pending.remove(vector);
        acknowledged.add(vector);
        update();
    }

    @Override
    public synchronized boolean takeNmi() {
        boolean n = nmi;
        nmi = false;
        update();
        return n;
    }

    @Override
    public synchronized boolean takeInit() {
        boolean i = init;
        init = false;
        update();
        return i;
    }

    @Override
    public synchronized int takeSipi() {
        int s = sipi;
        sipi = -1;
        update();
        return s;
    }

    @Override
    public void awaitEvent() {
        Thread.onSpinWait();
    }

    @Override
    public void wake() { }

    @Override
    public int apicId() {
        return 0;
    }

    @Override
    public synchronized long mmioRead(int offset, int size) {
        return offset == 0x80 ? tpr : offset == 0x20 ? 0 : 0x1234;
    }

    @Override
    public synchronized void mmioWrite(int offset, int size, long value) {
        apicWrites.add(new long[] {offset, size, value});
        if (offset == 0x80) {
            tpr = (int) value & 0xFF;
        }
        if (offset == 0x300 && ((value >>> 18) & 3) == 1) {
            raise((int) value & 0xFF); // a fixed interrupt to "self" is pending once the write completes
        }
    }

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
        return deadline;
    }

    @Override
    public void setTscDeadlineMsr(long value) {
        deadline = value;
    }
}

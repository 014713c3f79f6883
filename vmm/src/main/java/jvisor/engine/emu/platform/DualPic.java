package jvisor.engine.emu.platform;

import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;

/**
 * The PC's two cascaded 8259As (the slave's INT on the master's IRQ 2) with the PIIX edge/level
 * control registers at 0x4D0/0x4D1. The master's INT drives {@code intr}: the local APICs' LINT0
 * and IOAPIC pin 0. One lock for the pair; it is held while driving {@code intr}, so the APICs
 * never call back into the PICs while holding their own locks. One line may be watched by an
 * {@link AckListener} (the PIT's IRQ 0), which is called after the lock is released.
 */
final class DualPic implements PortHandler, ExtIntSource {
    /** The firmware's vector bases on a PC: the BIOS leaves the PICs programmed like this. */
    static final int BIOS_MASTER_BASE = 0x08;
    static final int BIOS_SLAVE_BASE = 0x70;

    private final Pic8259 master = new Pic8259("pic-master", 0xF8); // IRQ 0-2 are always edge
    private final Pic8259 slave = new Pic8259("pic-slave", 0xDE); // IRQ 8 and 13 are always edge
    private final IrqLine intr;
    private boolean intrLevel;
    private volatile int watchedIrq = -1;
    private volatile AckListener watcher = AckListener.NONE;

    DualPic(IrqLine intr) {
        this.intr = intr;
        initialiseLikeBios(master, BIOS_MASTER_BASE, 1 << 2, 0xFB);
        initialiseLikeBios(slave, BIOS_SLAVE_BASE, 2, 0xFF);
    }

    private static void initialiseLikeBios(Pic8259 chip, int base, int icw3, int mask) {
        chip.writeCommand(0x11);
        chip.writeData(base);
        chip.writeData(icw3);
        chip.writeData(0x01);
        chip.writeData(mask);
    }

    /** Tells {@code listener} when the guest takes an interrupt from ISA line {@code irq} or (un)masks it. */
    void watch(int irq, AckListener listener) {
        watchedIrq = irq;
        watcher = listener;
    }

    /** Whether ISA line {@code irq}'s bit is set in its PIC's interrupt mask register. */
    synchronized boolean masked(int irq) {
        return irq < 8 ? (master.imr() & 1 << irq) != 0 : (slave.imr() & 1 << (irq - 8)) != 0;
    }

    /** ISA line {@code irq} (0-15) changed. */
    synchronized void setIrq(int irq, boolean level) {
        if (irq < 8) {
            master.setLine(irq, level);
        } else {
            slave.setLine(irq - 8, level);
        }
        update();
    }

    @Override
    public synchronized int peekVector() {
        int irq = master.pendingIrq();
        if (irq < 0) {
            return -1;
        }
        if (irq == 2 && !master.singleMode()) {
            int s = slave.pendingIrq();
            return slave.vector(s < 0 ? 7 : s);
        }
        return master.vector(irq);
    }

    @Override
    public void acknowledge(int vector) {
        boolean watchedTaken;
        synchronized (this) {
            if (!master.singleMode() && slave.ownsVector(vector)) {
                master.acknowledge(2);
                slave.acknowledge(vector & 7);
            } else if (master.ownsVector(vector)) {
                master.acknowledge(vector & 7);
            }
            update();
            watchedTaken = takeWatchedAcknowledge();
        }
        if (watchedTaken) {
            watcher.acknowledged();
        }
    }

    @Override
    public int read(int port, int size) {
        int value = 0;
        boolean watchedTaken;
        synchronized (this) {
            for (int i = 0; i < size; i++) {
                value |= readByte(port + i) << (8 * i);
            }
            update(); // a poll acknowledges
            watchedTaken = takeWatchedAcknowledge();
        }
        if (watchedTaken) {
            watcher.acknowledged();
        }
        return value;
    }

    @Override
    public void write(int port, int size, int value) {
        boolean maskChanged;
        synchronized (this) {
            int irq = watchedIrq;
            boolean wasMasked = irq >= 0 && masked(irq);
            for (int i = 0; i < size; i++) {
                writeByte(port + i, (value >>> (8 * i)) & 0xFF);
            }
            update();
            maskChanged = irq >= 0 && masked(irq) != wasMasked;
        }
        if (maskChanged) {
            watcher.maskChanged();
        }
    }

    /** Whether the watched line was acknowledged since the last call; forgets the others. */
    private boolean takeWatchedAcknowledge() {
        int masterLines = master.takeAcknowledged();
        int slaveLines = slave.takeAcknowledged();
        int irq = watchedIrq;
        if (irq < 0) {
            return false;
        }
        return irq < 8 ? (masterLines & 1 << irq) != 0 && !(irq == 2 && !master.singleMode())
                : (slaveLines & 1 << (irq - 8)) != 0;
    }

    private int readByte(int port) {
        return switch (port) {
            case PcLayout.PIC_MASTER -> master.readCommand();
            case PcLayout.PIC_MASTER + 1 -> master.readData();
            case PcLayout.PIC_SLAVE -> slave.readCommand();
            case PcLayout.PIC_SLAVE + 1 -> slave.readData();
            case PcLayout.PIC_ELCR -> master.elcr();
            case PcLayout.PIC_ELCR + 1 -> slave.elcr();
            default -> 0xFF;
        };
    }

    private void writeByte(int port, int value) {
        switch (port) {
            case PcLayout.PIC_MASTER -> master.writeCommand(value);
            case PcLayout.PIC_MASTER + 1 -> master.writeData(value);
            case PcLayout.PIC_SLAVE -> slave.writeCommand(value);
            case PcLayout.PIC_SLAVE + 1 -> slave.writeData(value);
            case PcLayout.PIC_ELCR -> master.setElcr(value);
            case PcLayout.PIC_ELCR + 1 -> slave.setElcr(value);
            default -> { }
        }
    }

    /** Propagates the slave's INT to the master's IRQ 2 and the master's INT to {@code intr}. */
    private void update() {
        if (!master.singleMode()) {
            master.setCascade(2, slave.pendingIrq() >= 0);
        }
        boolean level = master.pendingIrq() >= 0;
        if (level != intrLevel) {
            intrLevel = level;
            intr.set(level);
        }
    }

    /** For tests: the master's and the slave's IRR, ISR and IMR. */
    synchronized int[] registers() {
        return new int[] {master.irr(), master.isr(), master.imr(), slave.irr(), slave.isr(), slave.imr()};
    }
}

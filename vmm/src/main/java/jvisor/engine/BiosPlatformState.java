package jvisor.engine;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.PcLayout;

/**
 * What PC firmware leaves in the interrupt controllers and the timer for the system it boots:
 * the two 8259 PICs initialised (vector bases, cascade on IRQ 2, 8086 mode, normal EOI) with
 * their masks, the PIIX edge/level control registers, and 8254 counter 0 running with a reload
 * value in a periodic mode (binary, low byte then high byte). Engines apply it before the
 * guest's first instruction (see {@link VirtualMachine#setBiosPlatformState}).
 *
 * @param counter0Reload 1-65536 (65536 is written as 0)
 */
public record BiosPlatformState(int masterVectorBase, int slaveVectorBase, int masterMask, int slaveMask,
                                int masterElcr, int slaveElcr, int counter0Mode, int counter0Reload) {
    /** One byte the firmware writes to an I/O port. */
    public record PortWrite(int port, int value) { }

    public static final int PIT_CONTROL = PcLayout.PIT + 3;
    /** ICW1: edge/level from the ELCR, cascaded, ICW4 follows. */
    static final int ICW1 = 0x11;
    /** ICW4: 8086 mode, normal EOI. */
    static final int ICW4 = 0x01;
    static final int SLAVE_ON_IRQ2 = 1 << 2;
    static final int SLAVE_ID = 2;

    public BiosPlatformState {
        if (((masterVectorBase | slaveVectorBase) & ~0xF8) != 0) {
            throw new IllegalArgumentException("PIC vector bases are multiples of 8 below 256");
        }
        if (((masterMask | slaveMask | masterElcr | slaveElcr) & ~0xFF) != 0) {
            throw new IllegalArgumentException("PIC masks and ELCRs are bytes");
        }
        if (counter0Mode != 2 && counter0Mode != 3) {
            throw new IllegalArgumentException("counter 0 runs periodically in mode 2 or 3, not " + counter0Mode);
        }
        if (counter0Reload < 1 || counter0Reload > 0x1_0000) {
            throw new IllegalArgumentException("a counter reload value is 1-65536, not " + counter0Reload);
        }
    }

    /** The PIT control word for counter 0: low then high byte, the mode, binary. */
    public int counter0ControlWord() {
        return 0x30 | counter0Mode << 1;
    }

    @Override
    public String toString() {
        return String.format("PICs at %#04x/%#04x masked %#04x/%#04x, ELCR %#04x/%#04x, PIT counter 0 mode %d "
                + "dividing by %d", masterVectorBase, slaveVectorBase, masterMask, slaveMask, masterElcr, slaveElcr,
                counter0Mode, counter0Reload);
    }

    /** The port writes that leave a PC's PICs, ELCR and PIT in this state, in the order firmware makes them. */
    public List<PortWrite> portWrites() {
        int master = PcLayout.PIC_MASTER;
        int slave = PcLayout.PIC_SLAVE;
        List<PortWrite> w = new ArrayList<>();
        w.add(new PortWrite(master, ICW1));
        w.add(new PortWrite(slave, ICW1));
        w.add(new PortWrite(master + 1, masterVectorBase));
        w.add(new PortWrite(slave + 1, slaveVectorBase));
        w.add(new PortWrite(master + 1, SLAVE_ON_IRQ2));
        w.add(new PortWrite(slave + 1, SLAVE_ID));
        w.add(new PortWrite(master + 1, ICW4));
        w.add(new PortWrite(slave + 1, ICW4));
        w.add(new PortWrite(master + 1, masterMask));
        w.add(new PortWrite(slave + 1, slaveMask));
        w.add(new PortWrite(PcLayout.PIC_ELCR, masterElcr));
        w.add(new PortWrite(PcLayout.PIC_ELCR + 1, slaveElcr));
        w.add(new PortWrite(PIT_CONTROL, counter0ControlWord()));
        w.add(new PortWrite(PcLayout.PIT, counter0Reload & 0xFF));
        w.add(new PortWrite(PcLayout.PIT, (counter0Reload >>> 8) & 0xFF));
        return w;
    }
}

package jvisor.engine.emu.platform;

import java.util.Arrays;
import jvisor.bus.InterruptRemapper;
import jvisor.bus.MmioHandler;
import jvisor.bus.PcLayout;

/**
 * The I/O APIC (Intel 82093AA): 24 interrupt pins, each redirected by its entry to the local
 * APICs as a message on the APIC bus. Registers are reached indirectly: IOREGSEL at offset 0
 * selects, IOWIN at offset 0x10 reads and writes.
 *
 * <p>Pin levels are logical (true = the device requests an interrupt), so the polarity bit is
 * stored for the guest but never inverts a pin, as in QEMU and KVM. Lock order: the IOAPIC calls
 * local APICs while holding its lock, never the other way round. One pin may be watched by an
 * {@link AckListener} (the PIT's pin 2): it hears of every EOI of the pin's vector, edge-triggered
 * or not, and of changes to the pin's mask, after the IOAPIC's lock is released.
 */
final class IoApic implements MmioHandler {
    static final int VERSION = 0x11;
    static final int PINS = PcLayout.IOAPIC_PINS;
    static final int REG_ID = 0x00;
    static final int REG_VERSION = 0x01;
    static final int REG_ARBITRATION = 0x02;
    static final int REG_REDIRECTION = 0x10;

    static final long MASKED = 1L << 16;
    static final long LEVEL = 1L << 15;
    static final long REMOTE_IRR = 1L << 14;
    static final long LOGICAL = 1L << 11;
    /** Remappable format (VT-d 5.1.5.1): the entry names an interrupt-remapping table entry instead of a destination. */
    static final long REMAPPABLE = 1L << 48;
    /** Vector, delivery mode, destination mode, polarity, trigger mode and mask. */
    private static final long WRITABLE_LOW = 0x1_AFFFL;

    private final ApicBus bus;
    private final DeviceLog log = new DeviceLog("ioapic");
    private final long[] entries = new long[PINS];
    private int id;
    private int select;
    private int asserted;
    private volatile int watchedPin = -1;
    /** The watched pin's vector, read without the lock on every EOI; -1 when nothing is watched. */
    private volatile int watchedVector = -1;
    private volatile AckListener watcher = AckListener.NONE;
    private InterruptRemapper remapper;

    IoApic(int id, ApicBus bus) {
        this.id = id & 0xF;
        this.bus = bus;
        Arrays.fill(entries, MASKED);
    }

    @Override
    public synchronized long read(long offset, int size) {
        long value;
        if (offset == 0) {
            value = select;
        } else if (offset >= 0x10 && offset < 0x14) {
            value = (readRegister(select) & 0xFFFF_FFFFL) >>> ((offset - 0x10) * 8);
        } else {
            value = 0;
        }
        return size >= 8 ? value : value & ((1L << (size * 8)) - 1);
    }

    @Override
    public void write(long offset, int size, long value) {
        boolean maskChanged = false;
        synchronized (this) {
            if (offset == 0) {
                select = (int) value & 0xFF;
            } else if (offset == 0x10 && size >= 4) {
                int pin = watchedPin;
                boolean wasMasked = pin >= 0 && (entries[pin] & MASKED) != 0;
                writeRegister(select, (int) value);
                maskChanged = pin >= 0 && ((entries[pin] & MASKED) != 0) != wasMasked;
            } else {
                log.warn("%d-byte write of %#x at offset %#x ignored", size, value, offset);
            }
        }
        if (maskChanged) {
            watcher.maskChanged();
        }
    }

    /**
     * Sends every interrupt through {@code r} as the message an IOAPIC on a VT-d chipset writes
     * upstream; the entries' high dwords then keep bits 55-48 too (format bit and handle).
     */
    synchronized void remapThrough(InterruptRemapper r) {
        remapper = r;
    }

    /** Tells {@code listener} of each EOI of pin {@code pin}'s vector and of changes to its mask bit. */
    synchronized void watch(int pin, AckListener listener) {
        watcher = listener;
        watchedPin = pin;
        watchedVector = (int) entries[pin] & 0xFF;
    }

    /** Whether pin {@code pin}'s redirection entry is masked. */
    synchronized boolean masked(int pin) {
        return (entries[pin] & MASKED) != 0;
    }

    /** Drives pin {@code pin}: edge-triggered entries fire on assertion, level ones while asserted. */
    synchronized void setPin(int pin, boolean level) {
        int bit = 1 << pin;
        boolean was = (asserted & bit) != 0;
        asserted = level ? asserted | bit : asserted & ~bit;
        if (level && (!was || (entries[pin] & LEVEL) != 0)) {
            service(pin);
        }
    }

    /**
     * A local APIC's EOI of {@code vector}. For a level-triggered vector (the EOI broadcast) it
     * clears remote IRR and re-delivers a pin still asserted; the watched pin's listener hears of
     * its vector either way.
     */
    void endOfInterrupt(int vector, boolean level) {
        if (level) {
            synchronized (this) {
                for (int pin = 0; pin < PINS; pin++) {
                    long e = entries[pin];
                    if ((e & 0xFF) == vector && (e & REMOTE_IRR) != 0) {
                        entries[pin] = e & ~REMOTE_IRR;
                        service(pin);
                    }
                }
            }
        }
        if (vector == watchedVector) {
            watcher.acknowledged();
        }
    }

    /** Sends pin {@code pin}'s message if the pin may interrupt now. */
    private void service(int pin) {
        long e = entries[pin];
        boolean level = (e & LEVEL) != 0;
        if ((e & MASKED) != 0 || level && ((asserted & (1 << pin)) == 0 || (e & REMOTE_IRR) != 0)) {
            return; // a masked edge is lost, as the datasheet says; a masked level waits for the unmask
        }
        DeliveryMode mode = DeliveryMode.decode((int) (e >>> 8));
        ApicMessage m;
        if (remapper == null) {
            m = ApicMessage.fromIoApic(mode, (int) e, (e & LOGICAL) != 0, (int) (e >>> 56), level);
        } else {
            InterruptRemapper.MsiMessage out = remapper.remap(InterruptRemapper.UNKNOWN_REQUESTER, upstreamAddress(e),
                    upstreamData(e));
            m = out == null ? null : ApicMessage.fromMsi(out.address(), out.data());
            if (m == null) {
                return;
            }
            mode = m.mode();
        }
        boolean accepted = bus.send(m, null);
        if (level && accepted && (mode == DeliveryMode.FIXED || mode == DeliveryMode.LOWEST_PRIORITY)) {
            entries[pin] |= REMOTE_IRR;
        }
    }

    /**
     * The address of the interrupt message entry {@code e} writes: the destination and mode of a
     * compatibility-format entry, or the format bit and handle (bits 63-49 and 11) of a remappable one.
     */
    static long upstreamAddress(long e) {
        long address = 0xFEE0_0000L | (e & LOGICAL) >>> 9;
        if ((e & REMAPPABLE) != 0) {
            return address | (e >>> 49 & 0x7FFF) << 5 | 1 << 4;
        }
        return address | (e >>> 56) << 12;
    }

    /** The data of that message: vector, delivery mode and trigger mode (level messages assert). */
    static int upstreamData(long e) {
        int data = (int) e & 0x7FF;
        return (e & LEVEL) != 0 ? data | 1 << 15 | 1 << 14 : data;
    }

    private int readRegister(int index) {
        if (index >= REG_REDIRECTION && index < REG_REDIRECTION + 2 * PINS) {
            long e = entries[(index - REG_REDIRECTION) >> 1];
            return (int) ((index & 1) == 0 ? e : e >>> 32);
        }
        return switch (index) {
            case REG_ID, REG_ARBITRATION -> id << 24;
            case REG_VERSION -> ((PINS - 1) << 16) | VERSION;
            default -> 0;
        };
    }

    private void writeRegister(int index, int value) {
        if (index >= REG_REDIRECTION && index < REG_REDIRECTION + 2 * PINS) {
            int pin = (index - REG_REDIRECTION) >> 1;
            long e = entries[pin];
            if ((index & 1) == 0) {
                e = (e & ~WRITABLE_LOW) | (value & WRITABLE_LOW);
                if ((e & LEVEL) == 0) {
                    e &= ~REMOTE_IRR; // switching to edge clears a stuck remote IRR (Linux relies on it)
                }
            } else {
                int writableHigh = remapper == null ? 0xFF00_0000 : 0xFFFF_0000;
                e = (e & 0xFFFF_FFFFL) | (long) (value & writableHigh) << 32;
            }
            entries[pin] = e;
            if (pin == watchedPin) {
                watchedVector = (int) e & 0xFF;
            }
            if ((e & LEVEL) != 0) {
                service(pin); // an asserted level pin interrupts once unmasked
            }
        } else if (index == REG_ID) {
            id = (value >>> 24) & 0xF;
        }
    }
}

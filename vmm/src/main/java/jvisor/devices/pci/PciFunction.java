package jvisor.devices.pci;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.IrqLine;
import jvisor.bus.MsiSink;

/**
 * One PCI endpoint function (a type-0 header): its identity, command and status registers, up to
 * six BARs that it maps wherever the guest (or jvisor, as the firmware) places them, a capability
 * list, an INTx pin and optionally MSI-X. Device models build one with {@link Builder} and keep
 * their behaviour in the BAR handlers; everything the guest writes here is treated as hostile and
 * only ever lands in bits the register allows.
 */
public final class PciFunction implements PciDevice {
    private static final long UNMAPPED = -1;

    private final String name;
    private final ConfigSpace config;
    private final Bar[] bars;
    private final long[] mapped = new long[PciConfig.BAR_COUNT];
    private final long[] refused = new long[PciConfig.BAR_COUNT];
    private final List<Listener> listeners;
    private final Msix msix;
    private final int msixCapability;
    private final int msiCapability;
    private BarMapper mapper = BarMapper.NONE;
    private MsiSink msiSink = MsiSink.NONE;
    private Dma dma = Dma.NONE;
    private IrqLine intx = IrqLine.NONE;
    private boolean intxRequested;
    private boolean intxDriven;

    private record Listener(int start, int end, ConfigListener listener) { }

    private PciFunction(Builder b) {
        this.name = b.name;
        this.config = b.config;
        this.bars = b.bars.clone();
        this.listeners = List.copyOf(b.listeners);
        this.msix = b.msix;
        this.msixCapability = b.msixCapability;
        this.msiCapability = b.msiCapability;
        java.util.Arrays.fill(mapped, UNMAPPED);
        java.util.Arrays.fill(refused, UNMAPPED);
    }

    public static Builder builder(String name, int vendor, int device) {
        return new Builder(name, vendor, device);
    }

    public String name() {
        return name;
    }

    /** Plugs the function into the machine: where its BARs map, its INTx line, where MSI-X messages go. */
    synchronized void connect(BarMapper barMapper, IrqLine intxLine, MsiSink msi, Dma busMaster) {
        this.mapper = barMapper;
        this.intx = intxLine;
        this.msiSink = msi;
        this.dma = busMaster;
        if (msix != null) {
            msix.connect(msi);
        }
        remap();
    }

    public int interruptPin() {
        return config.u8(PciConfig.INTERRUPT_PIN);
    }

    public Bar bar(int index) {
        return bars[index];
    }

    /** Where BAR {@code index} is mapped now, or -1. */
    public synchronized long barAddress(int index) {
        return mapped[index];
    }

    @Override
    public synchronized int configRead(int offset, int size) {
        for (Listener l : listeners) {
            if (offset < l.end && offset + size > l.start) {
                l.listener.beforeRead(this, offset, size);
            }
        }
        return config.read(offset, size);
    }

    @Override
    public synchronized void configWrite(int offset, int size, int value) {
        int command = config.u16(PciConfig.COMMAND);
        config.write(offset, size, value);
        if (overlaps(offset, size, PciConfig.COMMAND, 2)) {
            commandWritten(command);
        }
        if (overlaps(offset, size, PciConfig.BAR0, 4 * PciConfig.BAR_COUNT)) {
            remap();
        }
        for (Listener l : listeners) {
            if (offset < l.end && offset + size > l.start) {
                l.listener.written(this, offset, size);
            }
        }
    }

    private static boolean overlaps(int offset, int size, int start, int length) {
        return offset < start + length && offset + size > start;
    }

    private void commandWritten(int old) {
        int now = config.u16(PciConfig.COMMAND);
        if (((old ^ now) & (PciConfig.COMMAND_IO | PciConfig.COMMAND_MEMORY)) != 0) {
            remap();
        }
        if (((old ^ now) & PciConfig.COMMAND_INTX_DISABLE) != 0) {
            driveIntx();
        }
        if (((old ^ now) & PciConfig.COMMAND_BUS_MASTER) != 0) {
            msixControlWritten();
        }
    }

    /** Whether the guest let this function master the bus (DMA, MSI). */
    public synchronized boolean busMaster() {
        return (config.u16(PciConfig.COMMAND) & PciConfig.COMMAND_BUS_MASTER) != 0;
    }

    /**
     * Requests or withdraws the legacy interrupt: the status register's interrupt bit follows the
     * request, the line follows it unless the guest set Interrupt Disable.
     */
    public synchronized void setIntx(boolean asserted) {
        intxRequested = asserted;
        int status = config.u16(PciConfig.STATUS);
        config.put16(PciConfig.STATUS, asserted ? status | PciConfig.STATUS_INTERRUPT
                : status & ~PciConfig.STATUS_INTERRUPT);
        driveIntx();
    }

    private void driveIntx() {
        boolean level = intxRequested && (config.u16(PciConfig.COMMAND) & PciConfig.COMMAND_INTX_DISABLE) == 0;
        if (level != intxDriven) {
            intxDriven = level;
            intx.set(level);
        }
    }

    /** Where the function's DMA goes: guest memory, through the bus's remapper if it has one. */
    public Dma dma() {
        return dma;
    }

    /** Whether the guest switched on the function's MSI capability (PCI 3.0, 6.8.1). */
    public synchronized boolean msiEnabled() {
        return msiCapability != 0 && (config.u16(msiCapability + 2) & PciConfig.MSI_ENABLE) != 0;
    }

    /**
     * Sends the MSI capability's one message, if MSI is on and the function may master the bus;
     * returns whether MSI is on (else the caller uses INTx).
     */
    public boolean signalMsi() {
        long address;
        int data;
        synchronized (this) {
            if (!msiEnabled()) {
                return false;
            }
            if (!busMaster()) {
                return true;
            }
            int control = config.u16(msiCapability + 2);
            address = config.u32(msiCapability + 4) & 0xFFFF_FFFFL;
            int dataAt = msiCapability + 8;
            if ((control & PciConfig.MSI_64BIT) != 0) {
                address |= (long) config.u32(msiCapability + 8) << 32;
                dataAt += 4;
            }
            data = config.u16(dataAt);
        }
        msiSink.signal(address, data);
        return true;
    }

    /** The function's MSI-X, or null. */
    public Msix msix() {
        return msix;
    }

    void msixControlWritten() {
        if (msix != null) {
            int control = config.u16(msixCapability + 2);
            msix.control((control & PciConfig.MSIX_ENABLE) != 0, (control & PciConfig.MSIX_FUNCTION_MASK) != 0,
                    (config.u16(PciConfig.COMMAND) & PciConfig.COMMAND_BUS_MASTER) != 0);
        }
    }

    /** Puts each BAR where its register and the decode enables say, or nowhere. */
    private void remap() {
        int command = config.u16(PciConfig.COMMAND);
        for (int i = 0; i < bars.length; i++) {
            Bar bar = bars[i];
            if (bar == null) {
                continue;
            }
            long base = decodedBase(i, bar, command);
            if (base == mapped[i]) {
                continue;
            }
            if (mapped[i] != UNMAPPED) {
                mapper.unmap(bar, mapped[i]);
                mapped[i] = UNMAPPED;
            }
            if (base != UNMAPPED && base != refused[i]) {
                if (mapper.map(name + " BAR" + i, bar, base)) {
                    mapped[i] = base;
                    refused[i] = UNMAPPED;
                } else {
                    refused[i] = base;
                }
            }
        }
    }

    private long decodedBase(int index, Bar bar, int command) {
        int register = config.u32(PciConfig.BAR0 + 4 * index);
        return switch (bar) {
            case Bar.Io io -> {
                long base = register & 0xFFFC;
                boolean on = (command & PciConfig.COMMAND_IO) != 0;
                yield on && base != 0 && base + io.size() <= 0x1_0000 && (register & 0xFFFF_0000) == 0
                        ? base : UNMAPPED;
            }
            case Bar.Memory m -> {
                long base = register & 0xFFFF_FFF0L;
                if (m.wide()) {
                    base |= (long) config.u32(PciConfig.BAR0 + 4 * index + 4) << 32;
                }
                boolean on = (command & PciConfig.COMMAND_MEMORY) != 0;
                yield on && base != 0 && base + m.size() > base && base + m.size() <= 1L << 52 ? base : UNMAPPED;
            }
        };
    }

    /** Writes BAR {@code index}'s address as firmware does; decoding stays as the command register says. */
    synchronized void placeBar(int index, long base) {
        Bar bar = bars[index];
        config.put32(PciConfig.BAR0 + 4 * index, (int) base | bar.flags());
        if (bar instanceof Bar.Memory m && m.wide()) {
            config.put32(PciConfig.BAR0 + 4 * index + 4, (int) (base >>> 32));
        }
        remap();
    }

    /** Sets bits in the command register as firmware does (decode enables). */
    synchronized void enable(int commandBits) {
        int old = config.u16(PciConfig.COMMAND);
        config.put16(PciConfig.COMMAND, old | commandBits);
        commandWritten(old);
    }

    synchronized void setInterruptLine(int line) {
        config.put8(PciConfig.INTERRUPT_LINE, line);
    }

    /** For a configuration-space listener: the stored bytes. */
    public int stored(int offset, int size) {
        return config.read(offset, size);
    }

    /** For a configuration-space listener: sets stored bytes, whatever their write masks say. */
    public void store(int offset, int size, int value) {
        for (int k = 0; k < size; k++) {
            config.put8(offset + k, value >>> 8 * k);
        }
    }

    /** Builds a function: identity, BARs, capabilities. */
    public static final class Builder {
        private final String name;
        private final ConfigSpace config = new ConfigSpace();
        private final Bar[] bars = new Bar[PciConfig.BAR_COUNT];
        private final List<Listener> listeners = new ArrayList<>();
        private int lastCapability;
        private int nextCapability = PciConfig.CAPABILITIES_START;
        private Msix msix;
        private int msixCapability;
        private int msiCapability;

        private Builder(String name, int vendor, int device) {
            this.name = name;
            config.put16(PciConfig.VENDOR_ID, vendor);
            config.put16(PciConfig.DEVICE_ID, device);
            config.allowWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_IO | PciConfig.COMMAND_MEMORY
                    | PciConfig.COMMAND_BUS_MASTER | PciConfig.COMMAND_PARITY | PciConfig.COMMAND_SERR
                    | PciConfig.COMMAND_INTX_DISABLE);
            config.allowClear(PciConfig.STATUS, 2, PciConfig.STATUS_ERRORS);
            config.allowWrite(PciConfig.CACHE_LINE_SIZE, 1, 0xFF);
            config.allowWrite(PciConfig.LATENCY_TIMER, 1, 0xFF);
            config.allowWrite(PciConfig.INTERRUPT_LINE, 1, 0xFF);
        }

        public Builder revision(int revision) {
            config.put8(PciConfig.REVISION, revision);
            return this;
        }

        /** The 24-bit class code: base class, sub-class, programming interface. */
        public Builder classCode(int classCode) {
            config.put8(PciConfig.CLASS_CODE, classCode);
            config.put16(PciConfig.CLASS_CODE + 1, classCode >>> 8);
            return this;
        }

        public Builder subsystem(int vendor, int device) {
            config.put16(PciConfig.SUBSYSTEM_VENDOR_ID, vendor);
            config.put16(PciConfig.SUBSYSTEM_ID, device);
            return this;
        }

        /** INTA (1) to INTD (4); 0 for none. */
        public Builder interruptPin(int pin) {
            if (pin < 0 || pin > 4) {
                throw new IllegalArgumentException("interrupt pin " + pin);
            }
            config.put8(PciConfig.INTERRUPT_PIN, pin);
            return this;
        }

        public Builder bar(int index, Bar bar) {
            boolean wide = bar instanceof Bar.Memory m && m.wide();
            if (index < 0 || index >= PciConfig.BAR_COUNT || wide && index == PciConfig.BAR_COUNT - 1) {
                throw new IllegalArgumentException("no BAR " + index + " for " + bar);
            }
            if (bars[index] != null || index > 0 && bars[index - 1] instanceof Bar.Memory p && p.wide()
                    || wide && bars[index + 1] != null) {
                throw new IllegalArgumentException("BAR " + index + " is taken");
            }
            bars[index] = bar;
            int at = PciConfig.BAR0 + 4 * index;
            config.put32(at, bar.flags());
            switch (bar) {
                case Bar.Io io -> config.allowWrite(at, 4, 0xFFFF & -io.size() & ~3L);
                case Bar.Memory m -> {
                    long mask = -m.size();
                    config.allowWrite(at, 4, mask & 0xFFFF_FFF0L);
                    if (m.wide()) {
                        config.allowWrite(at + 4, 4, mask >>> 32);
                    }
                }
            }
            return this;
        }

        /**
         * Appends a capability: {@code body} is everything after the ID and next-pointer bytes.
         * Returns its offset. {@code writable} masks the body's bytes the guest may change.
         */
        public int capability(int id, byte[] body, byte[] writable) {
            int at = nextCapability;
            int length = 2 + body.length;
            if (at + length > ConfigSpace.LEGACY_SIZE) {
                throw new IllegalStateException("capabilities overflow the configuration header");
            }
            config.put8(at, id);
            config.putBytes(at + 2, body);
            for (int k = 0; k < writable.length; k++) {
                config.allowWrite(at + 2 + k, 1, writable[k] & 0xFF);
            }
            if (lastCapability == 0) {
                config.put8(PciConfig.CAPABILITIES, at);
                config.put16(PciConfig.STATUS, config.u16(PciConfig.STATUS) | PciConfig.STATUS_CAPABILITIES);
            } else {
                config.put8(lastCapability + 1, at);
            }
            lastCapability = at;
            nextCapability = (at + length + 3) & ~3;
            return at;
        }

        /** Calls {@code listener} for guest accesses to {@code [offset, offset+length)}. */
        public Builder listen(int offset, int length, ConfigListener listener) {
            listeners.add(new Listener(offset, offset + length, listener));
            return this;
        }

        /** MSI-X with its table and PBA in memory BAR {@code barIndex} (which the caller adds). */
        public Builder msix(Msix table, int barIndex) {
            byte[] body = new byte[10];
            int control = table.vectors() - 1;
            body[0] = (byte) control;
            body[1] = (byte) (control >>> 8);
            putInt(body, 2, barIndex);
            putInt(body, 6, (int) table.pbaOffset() | barIndex);
            byte[] writable = {0, (byte) ((PciConfig.MSIX_ENABLE | PciConfig.MSIX_FUNCTION_MASK) >>> 8)};
            msixCapability = capability(PciConfig.CAP_MSIX, body, writable);
            msix = table;
            return listen(msixCapability + 2, 2, new ConfigListener() {
                @Override
                public void written(PciFunction f, int offset, int size) {
                    f.msixControlWritten();
                }
            });
        }

        /**
         * An MSI capability with one message and no per-vector mask; {@code wide} for 64-bit
         * message addresses. The guest switches it with the enable bit of the message control.
         */
        public Builder msi(boolean wide) {
            int control = wide ? PciConfig.MSI_64BIT : 0;
            byte[] body = new byte[wide ? 14 : 10];
            body[0] = (byte) control;
            byte[] writable = new byte[body.length];
            writable[0] = PciConfig.MSI_ENABLE;
            writable[2] = (byte) 0xFC;                       // the address is dword aligned
            java.util.Arrays.fill(writable, 3, wide ? 12 : 8, (byte) 0xFF);
            msiCapability = capability(PciConfig.CAP_MSI, body, writable);
            return this;
        }

        /**
         * A PCI Express capability for a root-complex integrated endpoint, so the OS knows the
         * function has the 4 KiB extended configuration space (reached through ECAM).
         */
        public Builder pciExpress() {
            byte[] body = new byte[0x3C - 2];
            int version2IntegratedEndpoint = 2 | 9 << 4;
            body[0] = (byte) version2IntegratedEndpoint;
            body[1] = (byte) (version2IntegratedEndpoint >>> 8);
            putInt(body, 2, 1 << 15);                       // device capabilities: role-based error reporting
            byte[] writable = new byte[8];
            writable[6] = (byte) 0xFF;                      // device control: error reporting, payload, ...
            writable[7] = (byte) 0x7F;
            capability(PciConfig.CAP_PCIE, body, writable);
            return this;
        }

        public PciFunction build() {
            return new PciFunction(this);
        }

        private static void putInt(byte[] b, int at, int value) {
            for (int k = 0; k < 4; k++) {
                b[at + k] = (byte) (value >>> 8 * k);
            }
        }
    }
}

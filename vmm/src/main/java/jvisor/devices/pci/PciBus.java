package jvisor.devices.pci;

import java.util.Arrays;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.MsiSink;
import jvisor.bus.PcLayout;
import jvisor.bus.PortBus;
import jvisor.bus.PortHandler;
import jvisor.devices.DeviceLog;
import jvisor.engine.GuestMemory;

/**
 * PCI bus 0 and everything plugged into it: the function table that configuration mechanism #1
 * and ECAM both look up, the mapping of BARs onto the VM's MMIO and port buses, and INTx
 * routing. Lookups read an immutable snapshot, so plugging (at start-up) never blocks an access.
 */
public final class PciBus implements BarMapper {
    static final int FUNCTIONS = 256 * 32 * 8;

    private final MmioBus mmio;
    private final PortBus ports;
    private final PciInterrupts interrupts;
    private final MsiSink msi;
    private final DeviceLog log;
    private final GuestMemory ram;
    private volatile PciDevice[] functions = new PciDevice[FUNCTIONS];
    private volatile DmaRemapper remapper = DmaRemapper.NONE;

    public PciBus(MmioBus mmio, PortBus ports, PciInterrupts interrupts, MsiSink msi, DeviceLog log) {
        this(mmio, ports, interrupts, msi, log, null);
    }

    /** A bus whose functions' DMA reaches {@code ram} (null: DMA fails). */
    public PciBus(MmioBus mmio, PortBus ports, PciInterrupts interrupts, MsiSink msi, DeviceLog log, GuestMemory ram) {
        this.mmio = mmio;
        this.ports = ports;
        this.interrupts = interrupts;
        this.msi = msi;
        this.log = log;
        this.ram = ram;
    }

    /** Puts an IOMMU between every function's DMA and guest memory. */
    public void remapDma(DmaRemapper r) {
        remapper = r;
    }

    /** Bus/device/function as one number: bits 15-8 bus, 7-3 device, 2-0 function. */
    static int bdf(int bus, int device, int function) {
        return (bus << 8) | (device << 3) | function;
    }

    /** Plugs {@code pci} in at bus:device.function; a slot takes one function. */
    public synchronized void plug(int bus, int device, int function, PciDevice pci) {
        if (bus < 0 || bus > 0xFF || device < 0 || device > 0x1F || function < 0 || function > 7) {
            throw new IllegalArgumentException(String.format("bad PCI address %x:%x.%x", bus, device, function));
        }
        int key = bdf(bus, device, function);
        if (functions[key] != null) {
            throw new IllegalStateException(String.format("PCI %02x:%02x.%x is taken", bus, device, function));
        }
        if (pci instanceof PciFunction f) {
            MsiSink fromFunction = (address, data) -> msi.signal(key, address, data);
            f.connect(this, f.interruptPin() == 0 ? jvisor.bus.IrqLine.NONE : interrupts.line(device, f.interruptPin()),
                    fromFunction, new Dma(f, key, ram, () -> remapper));
        }
        PciDevice[] grown = functions.clone();
        grown[key] = pci;
        functions = grown;
    }

    /** Plugs {@code f} into the first free slot of bus 0 from {@link PcLayout#PCI_FIRST_DEVICE_SLOT}; returns the slot. */
    public synchronized int plug(PciFunction f) {
        for (int slot = PcLayout.PCI_FIRST_DEVICE_SLOT; slot < 32; slot++) {
            if (functions[bdf(0, slot, 0)] == null) {
                plug(0, slot, 0, f);
                return slot;
            }
        }
        throw new IllegalStateException("PCI bus 0 is full: too many devices");
    }

    /** The function at {@code bdf}, or null. */
    PciDevice function(int bdf) {
        return functions[bdf & 0xFFFF];
    }

    /** Every plugged function with its bus:device.function number, in that order. */
    public synchronized java.util.List<java.util.Map.Entry<Integer, PciDevice>> plugged() {
        java.util.List<java.util.Map.Entry<Integer, PciDevice>> all = new java.util.ArrayList<>();
        for (int i = 0; i < functions.length; i++) {
            if (functions[i] != null) {
                all.add(java.util.Map.entry(i, functions[i]));
            }
        }
        return all;
    }

    /** The ECAM window's handler: bus, device, function and register from the offset (PCIe 7.2.2). */
    public MmioHandler ecam() {
        return new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                if (size == 8 && (offset & 7) == 0) {
                    return read(offset, 4) | read(offset + 4, 4) << 32;
                }
                PciDevice f = function((int) (offset >>> 12));
                int register = (int) (offset & 0xFFF);
                if (f == null || size > 4 || (register & (size - 1)) != 0) {
                    return MmioHandler.floating(size);
                }
                int value = f.configRead(register, size);
                return size == 4 ? value & 0xFFFF_FFFFL : value & ((1L << size * 8) - 1);
            }

            @Override
            public void write(long offset, int size, long value) {
                if (size == 8 && (offset & 7) == 0) {
                    write(offset, 4, value & 0xFFFF_FFFFL);
                    write(offset + 4, 4, value >>> 32);
                    return;
                }
                PciDevice f = function((int) (offset >>> 12));
                int register = (int) (offset & 0xFFF);
                if (f != null && size <= 4 && (register & (size - 1)) == 0) {
                    f.configWrite(register, size, (int) (size == 4 ? value : value & ((1L << size * 8) - 1)));
                }
            }
        };
    }

    @Override
    public boolean map(String name, Bar bar, long base) {
        try {
            switch (bar) {
                case Bar.Memory m -> mmio.register(base, m.size(), m.handler(), name);
                case Bar.Io io -> ports.register((int) base, (int) io.size(), ioWindow((int) base, io.handler()), name);
            }
            return true;
        } catch (IllegalStateException | IllegalArgumentException e) {
            log.warn("%s at %#x not mapped: %s", name, base, e.getMessage());
            return false;
        }
    }

    @Override
    public void unmap(Bar bar, long base) {
        switch (bar) {
            case Bar.Memory m -> mmio.unregister(base);
            case Bar.Io io -> ports.unregister((int) base, (int) io.size());
        }
    }

    /** An I/O BAR's handler sees ports relative to the BAR. */
    private static PortHandler ioWindow(int base, PortHandler handler) {
        return new PortHandler() {
            @Override
            public int read(int port, int size) {
                return handler.read(port - base, size);
            }

            @Override
            public void write(int port, int size, int value) {
                handler.write(port - base, size, value);
            }
        };
    }

    /**
     * What firmware does before it boots an OS: every BAR of every function gets an address
     * (largest first, naturally aligned) from the PCI windows, decoding is switched on, and the
     * interrupt line register names the IOAPIC input. The OS may move them all.
     */
    public synchronized void assignResources() {
        long memory = PcLayout.PCI_MEMORY_BASE;
        int io = PcLayout.PCI_IO_BASE;
        record Request(PciFunction f, int index, Bar bar) { }
        java.util.List<Request> requests = new java.util.ArrayList<>();
        for (int i = 0; i < functions.length; i++) {
            if (functions[i] instanceof PciFunction f) {
                for (int b = 0; b < PciConfig.BAR_COUNT; b++) {
                    if (f.bar(b) != null) {
                        requests.add(new Request(f, b, f.bar(b)));
                    }
                }
                if (f.interruptPin() != 0) {
                    f.setInterruptLine(PciInterrupts.gsi((i >>> 3) & 0x1F, f.interruptPin()));
                }
            }
        }
        requests.sort((a, b) -> Long.compare(b.bar().size(), a.bar().size()));
        for (Request r : requests) {
            long size = r.bar().size();
            if (r.bar() instanceof Bar.Io) {
                int at = (int) ((io + size - 1) & -size);
                if (at + size > PcLayout.PCI_IO_END) {
                    log.warn("no I/O space left for %s BAR%d", r.f().name(), r.index());
                    continue;
                }
                r.f().placeBar(r.index(), at);
                io = (int) (at + size);
            } else {
                long at = (memory + size - 1) & -size;
                if (at + size > PcLayout.PCI_MEMORY_END) {
                    log.warn("no memory space left for %s BAR%d", r.f().name(), r.index());
                    continue;
                }
                r.f().placeBar(r.index(), at);
                memory = at + size;
            }
        }
        for (PciDevice d : functions) {
            if (d instanceof PciFunction f) {
                f.enable(PciConfig.COMMAND_IO | PciConfig.COMMAND_MEMORY);
            }
        }
    }

    @Override
    public String toString() {
        return "PCI bus with " + Arrays.stream(functions).filter(java.util.Objects::nonNull).count() + " functions";
    }
}

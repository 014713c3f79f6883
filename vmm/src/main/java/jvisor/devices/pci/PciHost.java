package jvisor.devices.pci;

import jvisor.bus.MsiSink;
import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.ShutdownCause;
import jvisor.core.Stage;
import jvisor.devices.DeviceLog;
import jvisor.devices.ShutdownRequester;

/**
 * The host bridge's configuration mechanism #1 (0xCF8 address, 0xCFC-0xCFF data) and the reset
 * control register at 0xCF9. A function nobody plugged in reads as all ones and ignores writes,
 * which is how a guest's bus scan learns that the slot is empty. The same functions are reached
 * through the ECAM window, which {@link #attach} maps too.
 */
public final class PciHost implements PortHandler {
    public static final int PORTS = 8;
    static final int ENABLE = 0x8000_0000;
    /** Bus, device, function and dword-aligned register; reserved bits 30-24 and 1-0 read as zero. */
    static final int ADDRESS_BITS = 0x80FF_FFFC;
    static final int RESET_SYSTEM = 0x02;
    static final int RESET_CPU = 0x04;

    private final ShutdownRequester shutdown;
    private final PciBus bus;
    private int address;
    /**
     * Bits 1-0 of the last address written. Reserved on real chipsets, but QEMU's host bridge adds
     * them to the register offset and kvm-unit-tests' PCI library relies on that (it reaches
     * config word 0x42 through address 0x42 and data port 0xCFC), so they are kept here, unseen.
     */
    private int byteSelect;
    private int resetControl;

    public PciHost(ShutdownRequester shutdown, PciBus bus) {
        this.shutdown = shutdown;
        this.bus = bus;
    }

    /** Bus 0 with the host bridge at 00:00.0, both configuration mechanisms, and the bus for devices to plug into. */
    @InitFunction(stage = Stage.DRIVER, order = 0)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        DeviceLog log = new DeviceLog(p.vmm().console().log(), "pci");
        MsiSink msi = new MsiSink() {
            @Override
            public void signal(long address, int data) {
                vm.signalMsi(address, data);
            }

            @Override
            public void signal(int requester, long address, int data) {
                vm.signalMsi(requester, address, data);
            }
        };
        PciBus bus = new PciBus(vm.mmio(), vm.ports(), new PciInterrupts(vm::irqLine), msi, log, vm.ram());
        bus.plug(0, 0, 0, new HostBridge(vm.ram().firmware().orElse(null)));
        if (vm.ram().firmware().isPresent()) {
            bus.plug(0, 1, 0, new IsaBridge());
        }
        vm.ports().register(PcLayout.PCI_CONFIG_ADDRESS, PORTS, new PciHost(vm::requestShutdown, bus), "PCI host");
        vm.mmio().register(PcLayout.PCI_ECAM_BASE, PcLayout.PCI_ECAM_SIZE, bus.ecam(), "PCI ECAM");
        vm.addDevice(PciBus.class, bus);
    }

    /** Firmware's part, after every device is plugged in: BAR addresses, decode enables, interrupt lines. */
    @InitFunction(stage = Stage.DRIVER, order = 9)
    public static void assignResources(Processor p) {
        if (p.vm().ram().firmware().isEmpty()) {
            p.vm().device(PciBus.class).ifPresent(PciBus::assignResources);
        }
    }

    @Override
    public synchronized int read(int port, int size) {
        if (port >= PcLayout.PCI_CONFIG_DATA) {
            PciDevice target = target(port, size);
            int value = target == null ? PortHandler.floating(size) : target.configRead(register(port), size);
            return size >= 4 ? value : value & PortHandler.floating(size);
        }
        if (port == PcLayout.PCI_CONFIG_ADDRESS && size == 4) {
            return address;
        }
        if (port == PcLayout.RESET_CONTROL && size == 1) {
            return resetControl;
        }
        return PortHandler.floating(size);
    }

    /** Only a 32-bit write reaches the address register; byte writes to 0xCF8-0xCFB (old mechanism-#2 probes) do not. */
    @Override
    public synchronized void write(int port, int size, int value) {
        if (port >= PcLayout.PCI_CONFIG_DATA) {
            PciDevice target = target(port, size);
            if (target != null) {
                target.configWrite(register(port), size, size >= 4 ? value : value & PortHandler.floating(size));
            }
        } else if (port == PcLayout.PCI_CONFIG_ADDRESS && size == 4) {
            address = value & ADDRESS_BITS;
            byteSelect = value & 3;
        } else if (port == PcLayout.RESET_CONTROL && size == 1) {
            writeResetControl(value);
        }
    }

    /** As QEMU's PIIX does, setting bit 2 resets (bit 1 picks hard or soft; both end the VM here). */
    private void writeResetControl(int value) {
        resetControl = value & RESET_SYSTEM;
        if ((value & RESET_CPU) != 0) {
            shutdown.requestShutdown(new ShutdownCause.Reset("0xcf9"));
        }
    }

    /** The function the address register selects, or null (disabled, absent, or the access leaves the dword). */
    private PciDevice target(int port, int size) {
        if ((address & ENABLE) == 0 || ((port | byteSelect) & 3) + size > 4) {
            return null;
        }
        return bus.function((address >>> 8) & 0xFFFF);
    }

    private int register(int port) {
        return (address & 0xFC) | ((port | byteSelect) & 3);
    }
}

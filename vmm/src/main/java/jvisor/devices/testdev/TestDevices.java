package jvisor.devices.testdev;

import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.devices.pci.PciBus;

/**
 * {@code --testdev}: QEMU's test devices, so test suites written for QEMU (kvm-unit-tests) run
 * unchanged. Off by default: no ordinary guest should find scratch ports and memory it did not ask for.
 */
public final class TestDevices {
    private TestDevices() { }

    /** After the virtio devices, so that turning test devices on does not move the disks' slots. */
    @InitFunction(stage = Stage.DRIVER, order = 3)
    public static void attach(Processor p) {
        if (!p.vmm().config().devices().testdev()) {
            return;
        }
        PassVm vm = p.vm();
        PcTestDev pc = new PcTestDev(vm::irqLine);
        vm.ports().register(PcTestDev.DATA_PORT, 4, pc.dataPorts, "pc-testdev");
        vm.ports().register(PcTestDev.FLUSH_PORT, 4, pc.flushPort, "pc-testdev-flush");
        vm.ports().register(PcTestDev.DATA_BYTE_PORT, 4, pc.dataPorts, "pc-testdev-byte");
        vm.ports().register(PcTestDev.IRQ_PORT, PcTestDev.IRQ_LINES, pc.irqPorts, "pc-testdev-irq");
        vm.mmio().register(PcTestDev.IOMEM_BASE, PcTestDev.IOMEM_SIZE, pc.iomemHandler, "pc-testdev-iomem");
        vm.device(PciBus.class).ifPresent(bus -> {
            int slot = bus.plug(new PciTestDev().function());
            p.vmm().trace().step(p, "testdev", String.format("pc-testdev, pci-testdev at 00:%02x.0", slot));
        });
    }
}

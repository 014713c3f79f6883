package jvisor.devices;

import jvisor.boot.ModelDevice;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.devices.edu.EduDevice;
import jvisor.devices.iommu.IntelIommu;
import jvisor.devices.pci.PciBus;

/**
 * {@code --device edu} and {@code --device intel-iommu}: QEMU's device models of those names,
 * which kvm-unit-tests' intel_iommu test asks for. Neither exists unless asked for.
 */
public final class ModelDevices {
    private ModelDevices() { }

    /** After the virtio and test devices, so that asking for these does not move their slots. */
    @InitFunction(stage = Stage.DRIVER, order = 4)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        var options = p.vmm().config().devices();
        PciBus bus = vm.device(PciBus.class).orElseThrow();
        options.model(ModelDevice.IntelIommu.class).ifPresent(o -> {
            DeviceLog log = new DeviceLog(p.vmm().console().log(), "intel-iommu");
            IntelIommu iommu = new IntelIommu(vm.ram(), vm::signalMsi, o.interruptRemapping(), log);
            vm.mmio().register(IntelIommu.BASE, IntelIommu.SIZE, iommu, "intel-iommu");
            bus.remapDma(iommu);
            if (o.interruptRemapping() && !vm.remapInterrupts(iommu)) {
                log.warn("the %s engine's IOAPIC is not jvisor's: MSIs are remapped, the IOAPIC's interrupts are not",
                        p.vmm().engine().kind().label());
            }
            p.vmm().trace().step(p, "intel-iommu", String.format("VT-d at %#x%s", IntelIommu.BASE,
                    o.interruptRemapping() ? ", interrupt remapping" : ""));
        });
        options.model(ModelDevice.Edu.class).ifPresent(o -> {
            int slot = bus.plug(new EduDevice(new DeviceLog(p.vmm().console().log(), "edu")).function());
            p.vmm().trace().step(p, "edu", String.format("edu at 00:%02x.0", slot));
        });
    }
}

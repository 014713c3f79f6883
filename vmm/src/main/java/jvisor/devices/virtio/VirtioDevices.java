package jvisor.devices.virtio;

import jvisor.boot.DeviceOptions;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.devices.DeviceLog;
import jvisor.devices.pci.PciBus;
import jvisor.net.NetworkBackend;
import jvisor.storage.Drives;

/**
 * Plugs the virtio devices the user asked for into PCI bus 0, in a fixed order (disks in
 * command-line order, then the entropy device, the console and the network card), so the guest
 * sees the same slots on every boot: the first disk is 00:03.0 and {@code /dev/vda}.
 */
public final class VirtioDevices {
    private VirtioDevices() { }

    @InitFunction(stage = Stage.DRIVER, order = 2)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        PciBus bus = vm.device(PciBus.class).orElseThrow();
        DeviceOptions options = p.vmm().config().devices();
        java.io.PrintStream out = p.vmm().console().log();
        int queues = Math.min(vm.cpuCount(), 16);
        int n = 0;
        for (Drives.Drive d : p.vmm().provided(Drives.class).map(Drives::drives).orElse(java.util.List.of())) {
            String name = "virtio-blk" + n;
            String serial = d.option().serial() != null ? d.option().serial() : "jvisor-disk" + n;
            plug(p, bus, name, new VirtioBlk(name, d.backend(), queues, serial, new DeviceLog(out, name)), out);
            n++;
        }
        if (options.rng()) {
            plug(p, bus, "virtio-rng0", new VirtioRng("virtio-rng0"), out);
        }
        if (options.virtioConsole() != null) {
            ConsolePort port = ConsolePort.open(options.virtioConsole());
            VirtioConsole console = new VirtioConsole("virtio-console0", port, new DeviceLog(out, "virtio-console0"));
            p.vmm().onTeardown(console::close);
            plug(p, bus, "virtio-console0", console, out);
        }
        java.util.Optional<NetworkBackend> backend = p.vmm().provided(NetworkBackend.class);
        if (backend.isPresent()) {
            VirtioNet nic = new VirtioNet("virtio-net0", backend.get(), options.net().mac(), new DeviceLog(out, "virtio-net0"));
            p.vmm().provide(VirtioNet.class, nic);      // for --stats and the monitor
            plug(p, bus, "virtio-net0", nic, out);
        }
    }

    private static void plug(Processor p, PciBus bus, String name, VirtioDevice device, java.io.PrintStream out) {
        VirtioPci transport = new VirtioPci(device, name, p.vm().ram(), new DeviceLog(out, name));
        int slot = bus.plug(transport.function());
        p.vmm().onTeardown(device::reset);
        p.vmm().trace().step(p, "virtio", String.format("%s at 00:%02x.0", name, slot));
    }
}

package jvisor.guest;

import jvisor.boot.BootConfig;
import jvisor.core.InitFunction;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.core.Vmm;
import jvisor.engine.GuestMemory;
import jvisor.guest.bios.LegacyBios;
import jvisor.guest.linux.LinuxLoader;
import jvisor.guest.multiboot.MultibootLoader;

/**
 * The guest loader: BitVisor's boot loader hand-off turned around. Reads the kernel the user
 * named, picks the boot protocol from its headers, loads it into guest RAM and sets the BSP's
 * entry state. Runs after guest RAM exists and before the platform tables are written, which
 * live in ranges the loaders never use.
 */
public final class GuestLoader {
    private GuestLoader() { }

    @InitFunction(stage = Stage.GLOBAL, order = 1)
    public static void loadGuest(Processor p) {
        Vmm vmm = p.vmm();
        if (jvisor.firmware.FirmwareBoot.requested(vmm)) {
            vmm.setBootState(jvisor.firmware.FirmwareBoot.load(vmm));
            vmm.trace().step(p, "load_guest", vmm.config().kernel().name() + ": reset vector 0xfffffff0");
            return;
        }
        LoadedGuest guest = load(vmm.config(), vmm.ram());
        vmm.trace().step(p, "load_guest", guest.summary());
        if (guest.protocol().equals(MultibootLoader.PROTOCOL)) {
            // Guests written for QEMU's -kernel find the BIOS's state: its timer, vectors and data area.
            LegacyBios.install(vmm.ram(), java.time.Instant.now());
            vmm.setBiosPlatformState(LegacyBios.PLATFORM);
            vmm.trace().step(p, "legacy_bios", "IVT, BIOS data area and handlers in the F000 ROM; " + LegacyBios.PLATFORM);
        }
        vmm.setBootState(guest.bootState());
    }

    /** Loads {@code config}'s kernel (and modules) into {@code ram}; bad images are {@code BadInputException}s. */
    public static LoadedGuest load(BootConfig config, GuestMemory ram) {
        ImageBytes kernel = new ImageBytes(config.kernel().name(), config.kernel().read(config.memory()));
        return switch (KernelFormat.detect(kernel)) {
            case KernelFormat.Multiboot m -> MultibootLoader.load(config, ram, kernel, m.headerOffset());
            case KernelFormat.LinuxBzImage linux -> LinuxLoader.load(config, ram, kernel);
            case KernelFormat.Unbootable u -> throw kernel.bad(u.problem());
        };
    }
}

package jvisor.firmware;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import jvisor.boot.GuestImage;
import jvisor.bus.PcLayout;
import jvisor.core.Vmm;
import jvisor.engine.CpuState;
import jvisor.engine.GuestMemory;
import jvisor.guest.MemoryMap;
import jvisor.guest.tables.TableLoader;
import jvisor.kit.Progress;

/**
 * A boot through the machine's firmware instead of a kernel loader: guest RAM with SeaBIOS's ROM
 * in front of it, the BSP at the reset vector, and the fw_cfg files SeaBIOS reads on QEMU (its
 * e820 map, jvisor's ACPI tables through the table loader, the VGA BIOS, the serial console
 * port). The firmware does the rest a kernel loader does here: PCI resources, the MP and SMBIOS
 * tables, and the boot from disk.
 */
public final class FirmwareBoot {
    public static final String E820 = "etc/e820";
    public static final String SERCON_PORT = "etc/sercon-port";
    public static final String VGA_ROM = "vgaroms/" + SeaBios.VGA_BIOS;
    /** The pages KVM's VMX back end uses for real mode (KvmVm), reserved as QEMU's SeaBIOS does. */
    static final long KVM_REAL_MODE_PAGES = 0xFFFB_C000L;
    static final long KVM_REAL_MODE_SIZE = 4 * PcLayout.PAGE;

    /** The files fw_cfg serves for the firmware, in the order they were added. */
    public record FirmwareFiles(Map<String, byte[]> files) {
        public FirmwareFiles {
            files = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
        }
    }

    private FirmwareBoot() { }

    public static boolean requested(Vmm vmm) {
        return vmm.config().kernel() instanceof GuestImage.Firmware;
    }

    /** Guest RAM with the BIOS ROM behind it; the images are kept for {@link #load}. */
    public static GuestMemory allocate(Vmm vmm) {
        GuestImage.Firmware f = (GuestImage.Firmware) vmm.config().kernel();
        FirmwareImages images = SeaBios.locate(f.bios(), Progress.printing(vmm.console().log(), false));
        vmm.provide(FirmwareImages.class, images);
        return GuestMemory.allocateWithRom(vmm.config().memory(), images.bios());
    }

    /** The BSP starts at the reset vector (F000:FFF0, i.e. 0xFFFFFFF0) with the power-on state. */
    public static CpuState load(Vmm vmm) {
        FirmwareImages images = vmm.provided(FirmwareImages.class).orElseThrow();
        vmm.provide(FirmwareFiles.class, files(vmm.ram(), vmm.cpuCount(), images));
        return CpuState.reset(true);
    }

    /** What fw_cfg carries for the firmware on a machine with this RAM and processor count. */
    public static FirmwareFiles files(GuestMemory ram, int cpus, FirmwareImages images) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(E820, e820(ram));
        TableLoader acpi = TableLoader.build(cpus);
        files.put(TableLoader.TABLES, acpi.tables());
        files.put(TableLoader.RSDP, acpi.rsdp());
        files.put(TableLoader.LOADER, acpi.loader());
        // The firmware's screen is mirrored to COM1 (SeaBIOS's "split mode" when a VGA BIOS runs too).
        files.put(SERCON_PORT, le(8, PcLayout.COM1));
        if (images.vgaBios() != null) {
            files.put(VGA_ROM, images.vgaBios());
        }
        return new FirmwareFiles(files);
    }

    /**
     * QEMU's etc/e820: RAM below the PCI hole and above 4 GiB, plus what only jvisor knows to be
     * reserved (the ECAM window MCFG describes, KVM's real-mode pages). SeaBIOS adds its own areas.
     */
    static byte[] e820(GuestMemory ram) {
        record Entry(long base, long length, MemoryMap.Type type) { }
        java.util.List<Entry> entries = new java.util.ArrayList<>();
        entries.add(new Entry(0, ram.lowSize(), MemoryMap.Type.USABLE));
        entries.add(new Entry(PcLayout.PCI_ECAM_BASE, PcLayout.PCI_ECAM_SIZE, MemoryMap.Type.RESERVED));
        entries.add(new Entry(KVM_REAL_MODE_PAGES, KVM_REAL_MODE_SIZE, MemoryMap.Type.RESERVED));
        if (ram.size() > ram.lowSize()) {
            entries.add(new Entry(GuestMemory.HIGH_RAM_BASE, ram.size() - ram.lowSize(), MemoryMap.Type.USABLE));
        }
        ByteBuffer b = ByteBuffer.allocate(20 * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            b.putLong(e.base()).putLong(e.length()).putInt(e.type().code());
        }
        return b.array();
    }

    private static byte[] le(int size, long value) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (value >>> (8 * i));
        }
        return bytes;
    }
}

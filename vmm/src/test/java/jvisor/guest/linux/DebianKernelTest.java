package jvisor.guest.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jvisor.boot.BootConfig;
import jvisor.boot.GuestImage;
import jvisor.engine.GuestMemory;
import jvisor.guest.GuestLoader;
import jvisor.guest.LoadedGuest;
import jvisor.guest.tables.PlatformTables;
import jvisor.kit.DebianPackages;
import jvisor.kit.GuestKit;
import jvisor.kit.TestKits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader's view of Debian's real kernel (from the guest kit), checked against binutils' readelf. */
class DebianKernelTest {
    @TempDir
    Path dir;

    @Test
    void theSetupHeaderOfDebiansKernelHasWhatThe64BitEntryNeeds() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        byte[] image = Files.readAllBytes(kit.vmlinuz());
        SetupHeader h = SetupHeader.parse(kit.vmlinuz().toString(), image);
        assertTrue(h.version() >= SetupHeader.MIN_VERSION);
        assertTrue((h.xloadflags() & SetupHeader.XLF_KERNEL_64) != 0);
        assertTrue(h.relocatable());
        assertEquals(0x100_0000, h.prefAddress(), "LOAD_PHYSICAL_ADDR of a stock x86-64 kernel");
        assertEquals(0x20_0000, h.kernelAlignment());
        assertTrue(h.kernelVersion().startsWith(kit.kernelVersion() + " "), h.kernelVersion());
        assertEquals(KernelPayload.Format.XZ, new KernelPayload(h, image).format());
    }

    @Test
    void thePayloadDecompressesToTheElfReadelfSees() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        assumeTrue(DebianPackages.available("readelf"), "readelf (binutils) is the reference here");
        byte[] image = Files.readAllBytes(kit.vmlinuz());
        SetupHeader h = SetupHeader.parse(kit.vmlinuz().toString(), image);
        byte[] vmlinux = new KernelPayload(h, image).decompress();
        VmlinuxElf elf = VmlinuxElf.parse("vmlinux", vmlinux);
        Path file = dir.resolve("vmlinux");
        Files.write(file, vmlinux);
        List<String> out = readelf(file);
        long entry = out.stream().filter(l -> l.trim().startsWith("Entry point address:"))
                .mapToLong(l -> hex(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElseThrow();
        assertEquals(entry, elf.entry());
        List<VmlinuxElf.Segment> loads = new ArrayList<>();
        for (String line : out) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 7 && f[0].equals("LOAD")) {
                loads.add(new VmlinuxElf.Segment(hex(f[1]), hex(f[3]), hex(f[2]), hex(f[4]), hex(f[5]), 0));
            }
        }
        assertEquals(loads.size(), elf.segments().size());
        for (int i = 0; i < loads.size(); i++) {
            VmlinuxElf.Segment ours = elf.segments().get(i);
            VmlinuxElf.Segment theirs = loads.get(i);
            assertEquals(theirs, new VmlinuxElf.Segment(ours.offset(), ours.physical(), ours.virtual(),
                    ours.fileSize(), ours.memorySize(), 0), "segment " + i);
        }
        assertEquals(h.prefAddress(), elf.start(), "the kernel is linked at pref_address");
        assertTrue(elf.end() - elf.start() <= h.initSize(), "init_size covers the loaded kernel");
    }

    @Test
    void theGuestLoaderRoutesTheKitToTheLinuxLoader() throws Exception {
        GuestKit.Kit kit = TestKits.kit();
        BootConfig config = BootConfig.of(new GuestImage.File(kit.vmlinuz())).withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline(GuestKit.CMDLINE).withCpus(2).withMemory(256L << 20);
        try (GuestMemory ram = GuestMemory.allocate(config.memory())) {
            LoadedGuest guest = GuestLoader.load(config, ram);
            assertTrue(guest.protocol().startsWith("linux " + kit.kernelVersion()), guest.protocol());
            assertEquals(0x100_0000, guest.bootState().regs().rip(), "the kernel's own startup_64");
            assertEquals(LinuxLayout.ZERO_PAGE, guest.bootState().regs().rsi());
            assertEquals(PlatformTables.build(2).rsdp(), ram.read64(LinuxLayout.ZERO_PAGE + 0x070), "acpi_rsdp_addr");
            assertEquals(GuestKit.CMDLINE, new String(ram.read(LinuxLayout.CMDLINE, GuestKit.CMDLINE.length())));
        }
    }

    private static long hex(String text) {
        return Long.parseUnsignedLong(text.startsWith("0x") ? text.substring(2) : text, 16);
    }

    private static List<String> readelf(Path file) throws Exception {
        Process p = new ProcessBuilder("readelf", "-hlW", file.toString()).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join("\n", lines));
        return lines;
    }
}

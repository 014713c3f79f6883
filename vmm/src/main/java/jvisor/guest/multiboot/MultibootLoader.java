package jvisor.guest.multiboot;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import jvisor.boot.BadInputException;
import jvisor.boot.BootConfig;
import jvisor.boot.GuestImage;
import jvisor.boot.MemorySize;
import jvisor.bus.PcLayout;
import jvisor.engine.CpuState;
import jvisor.engine.DescriptorTable;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestMemory;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
import jvisor.guest.GuestPlacement;
import jvisor.guest.ImageBytes;
import jvisor.guest.LoadSegment;
import jvisor.guest.LoadedGuest;
import jvisor.guest.MemoryMap;

/**
 * Loads a multiboot v1 kernel as QEMU's {@code -kernel} does: segments at their physical
 * addresses, modules page-aligned after the kernel, the information block in low memory (at
 * 0x9000 unless the kernel is there), and the BSP in flat 32-bit protected mode with EAX = the
 * boot magic and EBX = the information structure.
 *
 * <p>Where jvisor differs: ELF64 images are accepted (GRUB accepts them, QEMU refuses them); the
 * IVT and BIOS data area below 0x500 and everything from the EBDA up to 1 MiB are never loaded
 * into, because jvisor's firmware tables live there; the information block carries no boot
 * device, as there is no disk. Flag bit 2 (a video mode) is ignored, as QEMU does, rather than
 * refused: the info's flags never claim video information, so a kernel can tell.
 */
public final class MultibootLoader {
    public static final String BOOT_LOADER_NAME = "jvisor";
    /** {@link LoadedGuest#protocol()} of a multiboot kernel. */
    public static final String PROTOCOL = "multiboot";
    /** EAX at the kernel's entry. */
    public static final int BOOT_MAGIC = 0x2BADB002;
    /** Where QEMU puts the information block (its memory map; the structure is 0x500 above). */
    public static final long PREFERRED_INFO_BASE = 0x9000;
    /** The real-mode IVT and the BIOS data area, which the platform tables fill. */
    public static final long FIRMWARE_LOW_END = 0x500;
    public static final int MAX_MODULES = 256;

    private static final long PAGE = PcLayout.PAGE;
    private static final long FOUR_GIB = 1L << 32;
    private static final long MIB = 1L << 20;

    private MultibootLoader() { }

    public static LoadedGuest load(BootConfig config, GuestMemory ram, ImageBytes kernel, int headerOffset) {
        MultibootHeader header = MultibootHeader.parse(kernel, headerOffset);
        KernelLayout layout = header.hasAddressFields()
                ? KernelLayout.fromAddressFields(kernel, header)
                : KernelLayout.fromElf(kernel);
        MemoryMap map = MemoryMap.of(ram);
        GuestPlacement placement = new GuestPlacement(map, FIRMWARE_LOW_END, FOUR_GIB);
        for (LoadSegment s : layout.segments()) {
            if (!placement.isFree(s.address(), s.memSize())) {
                throw misplaced(kernel, s, ram);
            }
            placement.claim("kernel " + s.what(), s.address(), s.memSize());
            copy(ram, kernel, s);
        }
        List<MultibootInfo.Module> modules = loadModules(config, ram, placement, layout.end());
        String cmdline = commandLineName(config.kernel()) + " " + config.cmdline();
        if (cmdline.indexOf('\0') >= 0) {
            throw new BadInputException("the guest command line contains a NUL character, which would cut it short");
        }
        MultibootInfo info = new MultibootInfo(map, cmdline, BOOT_LOADER_NAME, modules);
        long base = placeInfo(placement, info.size(), ram);
        placement.claim("multiboot info", base, info.size());
        ram.write(base, info.encode(base));
        CpuState state = entryState(layout.entry(), MultibootInfo.infoAddress(base), info.gdtAddress(base));
        return new LoadedGuest(PROTOCOL, state, placement.placed());
    }

    /** The BSP as the multiboot specification leaves it, with a real GDT behind the selectors. */
    public static CpuState entryState(long entry, long infoAddress, long gdtAddress) {
        GeneralRegisters regs = new GeneralRegisters(Integer.toUnsignedLong(BOOT_MAGIC), infoAddress, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, entry, GeneralRegisters.RFLAGS_FIXED);
        Segment code = Segment.flatCode32(MultibootInfo.CODE_SELECTOR);
        Segment data = Segment.flatData32(MultibootInfo.DATA_SELECTOR);
        SystemRegisters sregs = new SystemRegisters(code, data, data, data, data, data,
                Segment.resetTaskRegister(), Segment.resetLdt(),
                new DescriptorTable(gdtAddress, MultibootInfo.GDT_SIZE - 1), new DescriptorTable(0, 0),
                SystemRegisters.CR0_PE | SystemRegisters.CR0_ET, 0, 0, 0, 0, 0,
                SystemRegisters.APIC_BASE_DEFAULT | SystemRegisters.APIC_BASE_BSP);
        return new CpuState(regs, sregs);
    }

    /** The first word of the command line: the kernel's file name, as QEMU and GRUB pass it. */
    static String commandLineName(GuestImage image) {
        return switch (image) {
            case GuestImage.File f -> f.path().toString();
            case GuestImage.Builtin b -> b.guest() + ".elf";
            case GuestImage.Firmware f -> f.name();
        };
    }

    private static void copy(GuestMemory ram, ImageBytes image, LoadSegment s) {
        MemorySegment.copy(MemorySegment.ofArray(image.array()), s.fileOffset(), ram.slice(s.address(), s.fileSize()),
                0, s.fileSize());
        ram.fill(s.address() + s.fileSize(), s.memSize() - s.fileSize(), (byte) 0);
    }

    private static List<MultibootInfo.Module> loadModules(BootConfig config, GuestMemory ram,
                                                          GuestPlacement placement, long kernelEnd) {
        if (config.modules().size() > MAX_MODULES) {
            throw new BadInputException(config.modules().size() + " modules are too many: jvisor passes at most "
                    + MAX_MODULES);
        }
        List<MultibootInfo.Module> modules = new ArrayList<>();
        long cursor = GuestPlacement.alignUp(kernelEnd, PAGE);
        for (GuestImage image : config.modules()) {
            long from = cursor;
            if (image.size() > config.memory()) {
                throw moduleTooLarge(image, image.size(), from, ram); // before reading it, with the memory to ask for
            }
            byte[] bytes = image.read(config.memory());
            long at = placement.findFree(bytes.length, PAGE, from)
                    .orElseThrow(() -> moduleTooLarge(image, bytes.length, from, ram));
            placement.claim("module " + image.name(), at, bytes.length);
            ram.write(at, bytes);
            modules.add(new MultibootInfo.Module(at, at + bytes.length, image.name()));
            cursor = GuestPlacement.alignUp(at + bytes.length, PAGE);
        }
        return modules;
    }

    private static long placeInfo(GuestPlacement placement, int size, GuestMemory ram) {
        if (placement.isFree(PREFERRED_INFO_BASE, size)) {
            return PREFERRED_INFO_BASE;
        }
        // Above QEMU's spot first: guests put AP trampolines in the pages just below it.
        var above = placement.findFree(size, 16, PREFERRED_INFO_BASE);
        if (above.isPresent()) {
            return above.getAsLong();
        }
        return placement.findFree(size, 16, PAGE).orElseThrow(() -> new BadInputException(String.format(
                "no room is left in guest RAM (%s) for the multiboot information (%d bytes) beside the kernel and "
                + "modules; use --memory %s", MemorySize.format(ram.size()), size, suggestMemory(ram.size() + MIB))));
    }

    private static BadInputException misplaced(ImageBytes kernel, LoadSegment s, GuestMemory ram) {
        String where = String.format("%s at [%#x-%#x)", s.what(), s.address(), s.end());
        if (s.address() < FIRMWARE_LOW_END) {
            return kernel.bad(where + " overlaps the interrupt vector table and BIOS data area [0-0x500); "
                    + "link the kernel at 1 MiB (0x100000) or above");
        }
        if (s.address() < PcLayout.HIGH_MEMORY && s.end() > PcLayout.EBDA) {
            return kernel.bad(where + " overlaps the EBDA, VGA and BIOS area [0x9fc00-0x100000), which holds "
                    + "firmware tables; link the kernel at 1 MiB (0x100000) or above");
        }
        if (s.end() > GuestMemory.LOW_RAM_LIMIT) {
            return kernel.bad(String.format("%s reaches into the PCI hole above %#x, where the guest has no RAM; "
                    + "link the kernel lower", where, GuestMemory.LOW_RAM_LIMIT));
        }
        return kernel.bad(String.format("%s does not fit in guest RAM (%s, ending at %#x): the kernel needs at "
                + "least %s; use --memory %s", where, MemorySize.format(ram.size()), ram.lowSize(),
                MemorySize.format(GuestPlacement.alignUp(s.end(), MIB)), suggestMemory(s.end())));
    }

    private static BadInputException moduleTooLarge(GuestImage image, long size, long from, GuestMemory ram) {
        long needed = from + size;
        if (needed > GuestMemory.LOW_RAM_LIMIT) {
            return new BadInputException(String.format("module %s (%s) does not fit below the PCI hole at %#x "
                    + "after the kernel and the modules before it (which end at %#x)", image.name(),
                    sizeText(size), GuestMemory.LOW_RAM_LIMIT, from));
        }
        return new BadInputException(String.format("module %s (%s) does not fit in guest RAM (%s) after the kernel "
                + "and the modules before it (which end at %#x): they need at least %s; use --memory %s",
                image.name(), sizeText(size), MemorySize.format(ram.size()), from,
                MemorySize.format(GuestPlacement.alignUp(needed, MIB)), suggestMemory(needed)));
    }

    /** A round size of at least {@code needed} bytes, for "use --memory ..." advice. */
    static String suggestMemory(long needed) {
        long step = needed <= 256 * MIB ? 16 * MIB : 256 * MIB;
        return MemorySize.format(GuestPlacement.alignUp(needed, step));
    }

    private static String sizeText(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        return bytes < MIB ? String.format("%.1f KiB", bytes / 1024.0) : String.format("%.1f MiB", (double) bytes / MIB);
    }
}

package jvisor.guest.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jvisor.boot.BadInputException;
import jvisor.boot.BootConfig;
import jvisor.boot.LinuxEntry;
import jvisor.boot.MemorySize;
import jvisor.engine.GuestMemory;
import jvisor.guest.GuestPlacement;
import jvisor.guest.ImageBytes;
import jvisor.guest.LoadedGuest;
import jvisor.guest.MemoryMap;
import jvisor.guest.tables.PlatformTables;
import jvisor.sys.Posix;

/**
 * Boots a Linux bzImage through the x86 boot protocol's 64-bit entry. Two ways in: load the
 * protected-mode kernel and enter its {@code startup_64} (load address + 0x200), which decompresses
 * the kernel in the guest; or decompress the payload on the host, load the vmlinux segments where
 * they were linked, and enter the kernel's own {@code startup_64} directly with the same zero page.
 */
public final class LinuxLoader {
    /** The 64-bit entry of the protected-mode kernel sits this far past its load address. */
    static final long STARTUP_64_OFFSET = 0x200;
    static final long PAGE = 0x1000;
    /** Smaller kernels decompress in milliseconds and are not worth a file in the user's cache. */
    static final long MIN_CACHED_VMLINUX = 1L << 20;

    /** What to boot: the images and the command line, with names for messages. */
    public record Spec(String kernelName, byte[] kernel, String initrdName, byte[] initrd, String cmdline,
                       LinuxEntry how) {
        public Spec {
            cmdline = cmdline == null ? "" : cmdline;
            how = how == null ? LinuxEntry.DEFAULT : how;
        }
    }

    private LinuxLoader() { }

    /** Whether {@code image} is a Linux bzImage (it has the boot flag and the "HdrS" magic). */
    public static boolean isBzImage(byte[] image) {
        return SetupHeader.present(image);
    }

    /**
     * Loads the bzImage {@code kernel} as {@code config} says, for the guest loader's dispatch: the
     * memory map is the platform's, and the zero page points at the RSDP the platform tables will
     * put in place right after.
     */
    public static LoadedGuest load(BootConfig config, GuestMemory ram, ImageBytes kernel) {
        Spec spec = new Spec(kernel.name(), kernel.array(), config.initrd() == null ? null : config.initrd().name(),
                config.initrd() == null ? null : config.initrd().read(config.memory()), config.cmdline(), config.linuxEntry());
        LinuxBoot boot = load(ram, spec, MemoryMap.of(ram), PlatformTables.build(config.cpus()).rsdp());
        List<GuestPlacement.Placed> placed = new ArrayList<>();
        placed.add(new GuestPlacement.Placed("kernel", boot.kernelStart(), boot.kernelEnd() - boot.kernelStart()));
        if (boot.initrdSize() > 0) {
            placed.add(new GuestPlacement.Placed("initrd", boot.initrdAddress(), boot.initrdSize()));
        }
        placed.add(new GuestPlacement.Placed("boot structures", LinuxLayout.GDT,
                LinuxLayout.LOW_STRUCTURES_END - LinuxLayout.GDT));
        return new LoadedGuest("linux " + boot.kernelVersion().split(" ")[0] + " (protocol " + boot.protocolVersion()
                + ", " + boot.how().label() + " entry" + (boot.vmlinuxFromCache() ? ", vmlinux from the cache" : "")
                + ")", boot.state(), placed);
    }

    /** Loads {@code spec} into {@code memory} described to the kernel by {@code map}; returns where things went. */
    public static LinuxBoot load(GuestMemory memory, Spec spec, MemoryMap map, long rsdp) {
        SetupHeader header = SetupHeader.parse(spec.kernelName(), spec.kernel());
        byte[] cmdline = commandLine(header, spec.cmdline());
        Placed kernel = switch (spec.how()) {
            case PROTOCOL -> loadProtectedMode(memory, map, header, spec.kernel());
            case DECOMPRESSED -> loadDecompressed(memory, map, header, spec.kernel());
        };
        long initrdSize = spec.initrd() == null ? 0 : spec.initrd().length;
        long initrdAddress = 0;
        if (initrdSize > 0) {
            initrdAddress = placeInitrd(map, header, kernel, spec.initrdName(), initrdSize);
            copy(memory, initrdAddress, spec.initrd(), 0, spec.initrd().length);
        }
        memory.fill(LinuxLayout.CMDLINE, cmdline.length + 1L, (byte) 0);
        memory.write(LinuxLayout.CMDLINE, cmdline);
        ZeroPage zeroPage = new ZeroPage(header).kernelAt(kernel.start()).commandLine(LinuxLayout.CMDLINE)
                .ramdisk(initrdAddress, initrdSize).memoryMap(map);
        if (rsdp != 0) {
            zeroPage.acpiRsdp(rsdp);
        }
        memory.write(LinuxLayout.ZERO_PAGE, zeroPage.bytes());
        return new LinuxBoot(spec.how(), header.kernelVersion(), header.versionText(), kernel.entry(),
                kernel.start(), kernel.end(), LinuxLayout.ZERO_PAGE, LinuxLayout.CMDLINE, initrdAddress, initrdSize,
                LongModeEntry.prepare(memory, kernel.entry(), LinuxLayout.ZERO_PAGE), kernel.vmlinuxFromCache());
    }

    /** The kernel's place: [start, end) is what it may use while initializing; it is entered at entry. */
    record Placed(long start, long end, long entry, boolean vmlinuxFromCache) { }

    private static byte[] commandLine(SetupHeader header, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        long max = Math.min(header.cmdlineSize(), LinuxLayout.CMDLINE_MAX - 1);
        if (bytes.length > max) {
            throw new BadInputException("the command line is " + bytes.length + " bytes, longer than the "
                    + max + " that " + header.source() + " accepts (cmdline_size): shorten --cmdline");
        }
        return bytes;
    }

    private static Placed loadProtectedMode(GuestMemory memory, MemoryMap map, SetupHeader header,
                                            byte[] image) {
        long size = header.protectedModeSize(image);
        long span = Math.max(header.initSize(), size);
        long address = chooseLoadAddress(map, header, span);
        copy(memory, address, image, (int) header.kernelOffset(), (int) size);
        return new Placed(address, address + span, address + STARTUP_64_OFFSET, false);
    }

    /**
     * pref_address if the kernel fits there, else (if it may move) the lowest aligned place above
     * it: a 64-bit decompressor never unpacks below pref_address (LOAD_PHYSICAL_ADDR), so a lower
     * place would not spare any memory.
     */
    private static long chooseLoadAddress(MemoryMap map, SetupHeader header, long span) {
        long pref = header.prefAddress();
        if (isRam(map, pref, span)) {
            return pref;
        }
        if (header.relocatable()) {
            for (MemoryMap.Entry e : map.usable()) {
                long address = alignUp(Math.max(e.base(), pref), header.kernelAlignment());
                if (address + span <= e.end() && address + span > address) {
                    return address;
                }
            }
        }
        throw tooLarge(header.source() + " (init_size " + MemorySize.format(alignUp(span, PAGE)) + ")", pref + span, map);
    }

    private static Placed loadDecompressed(GuestMemory memory, MemoryMap map, SetupHeader header,
                                           byte[] image) {
        KernelPayload payload = new KernelPayload(header, image);
        try (VmlinuxCache.Vmlinux vmlinux = payload.decompressedSize() >= MIN_CACHED_VMLINUX
                ? VmlinuxCache.forUser().decompress(image, payload)
                : VmlinuxCache.Vmlinux.of(payload.decompress())) {
            VmlinuxElf elf = VmlinuxElf.parse(header.source(), vmlinux.bytes());
            long end = Math.max(elf.end(), elf.start() + header.initSize());
            if (!isRam(map, elf.start(), end - elf.start())) {
                throw tooLarge(header.source() + " (decompressed, with init_size "
                        + MemorySize.format(alignUp(end - elf.start(), PAGE)) + ")", end, map);
            }
            for (VmlinuxElf.Segment s : elf.segments()) {
                MemorySegment from = vmlinux.bytes().asSlice(s.offset(), s.fileSize());
                MemorySegment to = memory.slice(s.physical(), s.fileSize());
                // Both sides faulted in by one call each rather than page by page as the copy
                // touches them: 40 MB of Debian's kernel loaded in about 10 ms less.
                if (vmlinux.fromCache()) {
                    Posix.madvise(from, Posix.MADV_POPULATE_READ);
                }
                Posix.madvise(to, Posix.MADV_POPULATE_WRITE);
                MemorySegment.copy(from, 0, to, 0, s.fileSize());
                memory.fill(s.physical() + s.fileSize(), s.memorySize() - s.fileSize(), (byte) 0);
            }
            return new Placed(elf.start(), end, elf.entry(), vmlinux.fromCache());
        }
    }

    /** As high as the kernel allows in RAM below initrd_addr_max, page-aligned, above the kernel. */
    private static long placeInitrd(MemoryMap map, SetupHeader header, Placed kernel, String name,
                                    long size) {
        long ceiling = header.initrdAddrMax() + 1;
        if (ceiling <= kernel.end()) {
            throw new BadInputException(String.format("%s cannot be placed: %s takes initrds only below 0x%x "
                    + "(initrd_addr_max), where the kernel itself lies up to 0x%x", name, header.source(), ceiling,
                    kernel.end()));
        }
        for (MemoryMap.Entry e : map.usable().reversed()) {
            long top = Math.min(e.end(), ceiling);
            long address = (top - size) & ~(PAGE - 1);
            if (top - size >= 0 && address >= e.base() && address >= kernel.end()) {
                return address;
            }
        }
        throw tooLarge(name + " (" + MemorySize.format(alignUp(size, PAGE)) + ") above the kernel",
                kernel.end() + size, map);
    }

    private static BadInputException tooLarge(String what, long neededEnd, MemoryMap map) {
        long ram = map.usable().stream().mapToLong(MemoryMap.Entry::end).max().orElse(0);
        long suggest = alignUp(neededEnd + (16L << 20), 64L << 20);
        return new BadInputException(what + " does not fit in guest memory: it needs RAM up to "
                + MemorySize.format(alignUp(neededEnd, 1L << 20)) + " but RAM ends at " + MemorySize.format(ram)
                + ": use --memory " + MemorySize.format(suggest) + " or more");
    }

    private static boolean isRam(MemoryMap map, long address, long length) {
        return map.isUsable(address, length);
    }

    private static void copy(GuestMemory memory, long gpa, byte[] from, int offset, int length) {
        MemorySegment.copy(from, offset, memory.slice(gpa, length), ValueLayout.JAVA_BYTE, 0, length);
    }

    static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

}

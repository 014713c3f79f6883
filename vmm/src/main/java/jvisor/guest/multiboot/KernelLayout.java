package jvisor.guest.multiboot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jvisor.guest.ElfImage;
import jvisor.guest.ImageBytes;
import jvisor.guest.LoadSegment;

/**
 * What to copy where and where to start: from the ELF program headers, or from the multiboot
 * header's address fields (the a.out kludge). Follows QEMU's {@code -kernel} multiboot loader, so
 * images written for it load the same: ELF segments go to their physical addresses (p_paddr), and
 * an entry point that is a virtual address inside an executable segment linked at a different
 * virtual address is moved by the same offset.
 */
public record KernelLayout(List<LoadSegment> segments, long entry) {
    private static final long FOUR_GIB = 1L << 32;

    public KernelLayout {
        segments = List.copyOf(segments);
    }

    /** The lowest address of the image. */
    public long start() {
        return segments.stream().mapToLong(LoadSegment::address).min().orElseThrow();
    }

    /** One past the highest address of the image, BSS included. */
    public long end() {
        return segments.stream().mapToLong(LoadSegment::end).max().orElseThrow();
    }

    /** The layout of an ELF kernel. */
    public static KernelLayout fromElf(ImageBytes image) {
        ElfImage elf = ElfImage.parse(image);
        List<LoadSegment> segments = new ArrayList<>();
        long entry = elf.entry();
        for (ElfImage.ProgramHeader ph : elf.loads()) {
            if (ph.memSize() == 0) {
                continue;
            }
            String what = "segment " + ph.index();
            checkBelow4G(image, what, ph.paddr(), ph.memSize());
            segments.add(new LoadSegment(what, ph.offset(), ph.fileSize(), ph.paddr(), ph.memSize()));
            if (ph.executable() && ph.vaddr() != ph.paddr()
                    && Long.compareUnsigned(entry, ph.vaddr()) >= 0
                    && Long.compareUnsigned(entry - ph.vaddr(), ph.fileSize()) < 0) {
                entry = entry - ph.vaddr() + ph.paddr();
            }
        }
        if (segments.isEmpty()) {
            throw image.bad("has no loadable (PT_LOAD) segment with a non-zero size");
        }
        checkNoOverlap(image, segments);
        return checkedEntry(image, new KernelLayout(segments, entry));
    }

    /** The layout given by the header's address fields (flag bit 16), ELF or not. */
    public static KernelLayout fromAddressFields(ImageBytes image, MultibootHeader h) {
        if (h.headerAddr() < h.loadAddr()) {
            throw image.bad(String.format("multiboot header_addr %#x is below load_addr %#x", h.headerAddr(),
                    h.loadAddr()));
        }
        if (h.headerAddr() - h.loadAddr() > h.offset()) {
            throw image.bad(String.format("multiboot load_addr %#x is %#x bytes before header_addr %#x, but the "
                    + "header is only %#x bytes into the file", h.loadAddr(), h.headerAddr() - h.loadAddr(),
                    h.headerAddr(), h.offset()));
        }
        long textOffset = h.offset() - (h.headerAddr() - h.loadAddr());
        long loadSize;
        if (h.loadEndAddr() == 0) {
            loadSize = image.length() - textOffset;
        } else if (h.loadEndAddr() < h.loadAddr()) {
            throw image.bad(String.format("multiboot load_end_addr %#x is below load_addr %#x", h.loadEndAddr(),
                    h.loadAddr()));
        } else {
            loadSize = h.loadEndAddr() - h.loadAddr();
            if (!image.contains(textOffset, loadSize)) {
                throw image.bad(String.format("is truncated: load_end_addr %#x asks for %#x bytes from file offset "
                        + "%#x, but the file has %d bytes", h.loadEndAddr(), loadSize, textOffset, image.length()));
            }
        }
        long loadEnd = h.loadAddr() + loadSize;
        long memSize = loadSize;
        if (h.bssEndAddr() != 0) {
            if (h.bssEndAddr() < loadEnd) {
                throw image.bad(String.format("multiboot bss_end_addr %#x is below the end of the loaded image "
                        + "%#x", h.bssEndAddr(), loadEnd));
            }
            memSize = h.bssEndAddr() - h.loadAddr();
        }
        if (memSize == 0) {
            throw image.bad("its multiboot address fields describe an empty image (load_addr = load_end_addr)");
        }
        checkBelow4G(image, "the image", h.loadAddr(), memSize);
        LoadSegment segment = new LoadSegment("the image", textOffset, loadSize, h.loadAddr(), memSize);
        return checkedEntry(image, new KernelLayout(List.of(segment), h.entryAddr()));
    }

    private static void checkBelow4G(ImageBytes image, String what, long address, long size) {
        if (address < 0 || size < 0 || address >= FOUR_GIB || size > FOUR_GIB - address) {
            throw image.bad(String.format("%s at %#x (+%#x bytes) does not fit below 4 GiB, where multiboot loads "
                    + "kernels", what, address, size));
        }
    }

    private static void checkNoOverlap(ImageBytes image, List<LoadSegment> segments) {
        List<LoadSegment> sorted = segments.stream().sorted(Comparator.comparingLong(LoadSegment::address)).toList();
        for (int i = 1; i < sorted.size(); i++) {
            LoadSegment a = sorted.get(i - 1);
            LoadSegment b = sorted.get(i);
            if (b.address() < a.end()) {
                throw image.bad(String.format("%s [%#x-%#x) and %s [%#x-%#x) overlap in physical memory", a.what(),
                        a.address(), a.end(), b.what(), b.address(), b.end()));
            }
        }
    }

    private static KernelLayout checkedEntry(ImageBytes image, KernelLayout layout) {
        long entry = layout.entry();
        if (layout.segments().stream().noneMatch(s -> s.contains(entry))) {
            throw image.bad(String.format("entry point %#x lies outside the loaded image (%s)", entry,
                    String.join(", ", layout.segments().stream().map(LoadSegment::toString).toList())));
        }
        return layout;
    }
}

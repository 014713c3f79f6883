package jvisor.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import jvisor.sys.Posix;

/**
 * The guest's RAM: one anonymous {@code MAP_NORESERVE} mapping shared by the engine, the
 * loaders and the devices. RAM below 4 GiB stops at {@link #LOW_RAM_LIMIT} (the rest of the
 * 32-bit space is the PCI/MMIO hole); what does not fit there continues at 4 GiB.
 *
 * <p>Every guest-physical access through this class is bounds-checked: an address outside RAM
 * throws {@link GuestAddressException}, which device code turns into a device error.
 */
public final class GuestMemory implements AutoCloseable {
    public static final long LOW_RAM_LIMIT = 0xC000_0000L;
    public static final long HIGH_RAM_BASE = 1L << 32;

    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One contiguous piece of guest-physical RAM and where it lives in the host mapping. */
    public record Region(long guestPhysical, long hostOffset, long size, boolean readOnly) {
        public Region(long guestPhysical, long hostOffset, long size) {
            this(guestPhysical, hostOffset, size, false);
        }

        public long end() {
            return guestPhysical + size;
        }
    }

    /** Hears of RAM that devices wrote (DMA), in host-offset terms; one range per call, within RAM. */
    @FunctionalInterface
    public interface DeviceWriteObserver {
        void written(long hostOffset, long length);
    }

    private final MemorySegment ram;
    private volatile DeviceWriteObserver deviceWrites;
    private final long lowSize;
    private final long size;
    private final List<Region> regions;
    /** The ROM and legacy window in front of RAM when the machine boots through firmware; else null. */
    private final FirmwareMemory firmware;
    /** Without firmware: RAM the processors may read but not write (the BIOS ROM's place), empty if none. */
    private long protectedBase;
    private long protectedEnd;
    private boolean closed;

    private GuestMemory(MemorySegment ram, long size, FirmwareMemory firmware) {
        this.ram = ram;
        this.size = size;
        this.firmware = firmware;
        this.lowSize = Math.min(size, LOW_RAM_LIMIT);
        this.regions = size > lowSize
                ? List.of(new Region(0, 0, lowSize), new Region(HIGH_RAM_BASE, lowSize, size - lowSize))
                : List.of(new Region(0, 0, lowSize));
    }

    /** Maps {@code size} bytes of zeroed RAM; pages are only backed once the guest touches them. */
    public static GuestMemory allocate(long size) {
        if (size <= 0 || (size & 0xFFF) != 0) {
            throw new IllegalArgumentException("guest RAM must be a positive multiple of 4 KiB: " + size);
        }
        return new GuestMemory(Posix.mmapAnonymous(size), size, null);
    }

    /**
     * RAM of {@code size} bytes with a firmware {@code rom} behind it: the ROM ends at 4 GiB and
     * processors see the PC's legacy window (see {@link FirmwareMemory}).
     */
    public static GuestMemory allocateWithRom(long size, byte[] rom) {
        if (size <= 0 || (size & 0xFFF) != 0) {
            throw new IllegalArgumentException("guest RAM must be a positive multiple of 4 KiB: " + size);
        }
        MemorySegment mapping = Posix.mmapAnonymous(size + rom.length);
        MemorySegment.copy(rom, 0, mapping, ValueLayout.JAVA_BYTE, size, rom.length);
        return new GuestMemory(mapping, size, new FirmwareMemory(size, rom.length));
    }

    /** The firmware view in front of RAM, if the machine boots through firmware. */
    public java.util.Optional<FirmwareMemory> firmware() {
        return java.util.Optional.ofNullable(firmware);
    }

    /**
     * The host offset a processor reads {@code [gpa, gpa+length)} at: RAM, or the ROM and the
     * shadow window as the chipset maps them now; -1 where the access goes to the MMIO bus.
     */
    public long cpuReadOffset(long gpa, long length) {
        if (firmware != null && firmware.covers(gpa, length)) {
            return firmware.read(gpa, length);
        }
        return hostOffset(gpa, length);
    }

    /** As {@link #cpuReadOffset} for a write: ROM and write-protected shadow RAM are not writable. */
    public long cpuWriteOffset(long gpa, long length) {
        if (firmware != null && firmware.covers(gpa, length)) {
            return firmware.write(gpa, length);
        }
        if (gpa < protectedEnd && gpa + length > protectedBase) {
            return -1;
        }
        return hostOffset(gpa, length);
    }

    /**
     * Makes {@code [base, base+size)} of low RAM read-only to the processors, as a chipset
     * write-protects the BIOS's shadow copy: their writes go to the MMIO bus, which drops them.
     * Devices and the VMM still write it. For a machine without firmware, before any processor
     * or memory slot exists (the view is not meant to change afterwards).
     */
    public void protectFromProcessorWrites(long base, long size) {
        if (firmware != null || protectedEnd != 0) {
            throw new IllegalStateException("the processors' view of RAM is already set");
        }
        if (base < 0 || size <= 0 || ((base | size) & 0xFFF) != 0 || base + size > lowSize) {
            throw new IllegalArgumentException(String.format("not whole pages of low RAM: %#x+%#x", base, size));
        }
        protectedBase = base;
        protectedEnd = base + size;
    }

    /** Bumped when the processors' view changes (never without firmware). */
    public int cpuMapEpoch() {
        return firmware == null ? 0 : firmware.epoch();
    }

    /** The processors' view as regions for memory slots: RAM, or RAM with the firmware view in front. */
    public List<Region> cpuRegions() {
        if (firmware != null) {
            return firmware.regions(regions);
        }
        if (protectedEnd == 0) {
            return regions;
        }
        List<Region> out = new java.util.ArrayList<>();
        for (Region r : regions) {
            if (r.guestPhysical() == 0) { // the protected range lies in low RAM, which starts at 0
                if (protectedBase > 0) {
                    out.add(new Region(0, 0, protectedBase));
                }
                out.add(new Region(protectedBase, protectedBase, protectedEnd - protectedBase, true));
                if (protectedEnd < r.end()) {
                    out.add(new Region(protectedEnd, protectedEnd, r.end() - protectedEnd));
                }
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** The whole host mapping, for engines that hand it to the kernel or index it directly. */
    public MemorySegment segment() {
        return ram;
    }

    /** RAM bytes (a firmware ROM behind them in the mapping is not RAM). */
    public long size() {
        return size;
    }

    /** RAM below 4 GiB: guest-physical 0 up to this size. */
    public long lowSize() {
        return lowSize;
    }

    public List<Region> regions() {
        return regions;
    }

    /** The host offset of {@code [gpa, gpa+length)} if all of it is RAM, else -1. */
    public long hostOffset(long gpa, long length) {
        if (length < 0 || gpa < 0) {
            return -1;
        }
        if (gpa + length <= lowSize && gpa + length >= gpa) {
            return gpa;
        }
        long high = gpa - HIGH_RAM_BASE;
        if (high >= 0 && high + length <= size - lowSize && high + length >= high) {
            return lowSize + high;
        }
        return -1;
    }

    public boolean isRam(long gpa, long length) {
        return hostOffset(gpa, length) >= 0;
    }

    /** A view of guest RAM {@code [gpa, gpa+length)}, which must be RAM. */
    public MemorySegment slice(long gpa, long length) {
        return ram.asSlice(checked(gpa, length), length);
    }

    public int read8(long gpa) {
        return ram.get(ValueLayout.JAVA_BYTE, checked(gpa, 1)) & 0xFF;
    }

    public int read16(long gpa) {
        return ram.get(U16, checked(gpa, 2)) & 0xFFFF;
    }

    public int read32(long gpa) {
        return ram.get(U32, checked(gpa, 4));
    }

    public long read64(long gpa) {
        return ram.get(U64, checked(gpa, 8));
    }

    public void write8(long gpa, int value) {
        ram.set(ValueLayout.JAVA_BYTE, checked(gpa, 1), (byte) value);
    }

    public void write16(long gpa, int value) {
        ram.set(U16, checked(gpa, 2), (short) value);
    }

    public void write32(long gpa, int value) {
        ram.set(U32, checked(gpa, 4), value);
    }

    public void write64(long gpa, long value) {
        ram.set(U64, checked(gpa, 8), value);
    }

    public void write(long gpa, byte[] bytes) {
        MemorySegment.copy(bytes, 0, ram, ValueLayout.JAVA_BYTE, checked(gpa, bytes.length), bytes.length);
    }

    public byte[] read(long gpa, int length) {
        byte[] bytes = new byte[length];
        MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, checked(gpa, length), bytes, 0, length);
        return bytes;
    }

    public void fill(long gpa, long length, byte value) {
        ram.asSlice(checked(gpa, length), length).fill(value);
    }

    /**
     * Sets who hears of device writes: an engine that caches decoded guest code (emu) must drop
     * what a DMA write replaced, as a processor's own store would make it do.
     */
    public void observeDeviceWrites(DeviceWriteObserver observer) {
        deviceWrites = observer;
    }

    /**
     * A device wrote {@code [gpa, gpa+length)} behind the processors' backs. Devices call this after
     * every write into guest RAM (a disk read landing in a buffer); the range must be RAM.
     */
    public void deviceWrote(long gpa, long length) {
        DeviceWriteObserver observer = deviceWrites;
        if (observer != null && length > 0) {
            observer.written(checked(gpa, length), length);
        }
    }

    private long checked(long gpa, long length) {
        long offset = hostOffset(gpa, length);
        if (offset < 0) {
            throw new GuestAddressException(gpa, length);
        }
        return offset;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Posix.munmap(ram);
        }
    }
}

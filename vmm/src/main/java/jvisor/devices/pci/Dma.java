package jvisor.devices.pci;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Supplier;
import jvisor.engine.GuestAddressException;
import jvisor.engine.GuestMemory;

/**
 * One function's DMA into guest memory: the bus address goes through the bus's {@link DmaRemapper}
 * a 4 KiB page at a time, then to RAM. A transfer the function may not make (bus mastering off),
 * that the remapper blocks, or that leaves RAM stops there and reports false; a device model then
 * does what its hardware does on a master abort, never more.
 */
public final class Dma {
    private static final long PAGE = 0x1000;

    /** A function on no bus: every transfer fails. */
    static final Dma NONE = new Dma(null, 0, null, () -> DmaRemapper.NONE);

    private final PciFunction function;
    private final int requester;
    private final GuestMemory ram;
    private final Supplier<DmaRemapper> remapper;

    Dma(PciFunction function, int requester, GuestMemory ram, Supplier<DmaRemapper> remapper) {
        this.function = function;
        this.requester = requester;
        this.ram = ram;
        this.remapper = remapper;
    }

    /** The requester ID (bus:device.function) the function's requests carry. */
    public int requester() {
        return requester;
    }

    /** Reads {@code length} bytes at bus address {@code address} into {@code into[offset...]}. */
    public boolean read(long address, byte[] into, int offset, int length) {
        return transfer(address, into, offset, length, false);
    }

    /** Writes {@code from[offset...offset+length)} to bus address {@code address}. */
    public boolean write(long address, byte[] from, int offset, int length) {
        return transfer(address, from, offset, length, true);
    }

    private boolean transfer(long address, byte[] buffer, int offset, int length, boolean write) {
        if (ram == null || !function.busMaster() || offset < 0 || length < 0 || offset + length > buffer.length) {
            return false;
        }
        DmaRemapper r = remapper.get();
        int done = 0;
        while (done < length) {
            long at = address + done;
            int chunk = (int) Math.min(length - done, PAGE - (at & (PAGE - 1)));
            long gpa = r.translate(requester, at, write);
            if (gpa == DmaRemapper.BLOCKED || !ram.isRam(gpa, chunk)) {
                return false;
            }
            try {
                if (write) {
                    MemorySegment.copy(buffer, offset + done, ram.slice(gpa, chunk),
                            ValueLayout.JAVA_BYTE, 0, chunk);
                    ram.deviceWrote(gpa, chunk);
                } else {
                    MemorySegment.copy(ram.slice(gpa, chunk), ValueLayout.JAVA_BYTE,
                            0, buffer, offset + done, chunk);
                }
            } catch (GuestAddressException e) {
                return false;
            }
            done += chunk;
        }
        return true;
    }
}

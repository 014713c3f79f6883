package jvisor.guest.tables;

import java.io.ByteArrayOutputStream;

/**
 * A resource template (the buffer a device's _CRS returns), in the ACPI specification's resource
 * descriptor formats: the fixed-location I/O port descriptor, word and dword address-space
 * descriptors, and the end tag. Windows a bridge passes on are producers with fixed bounds.
 */
final class Resources {
    static final int IO_PORT = 0x47;
    static final int SMALL_IRQ = 0x22;
    static final int END_TAG = 0x79;
    static final int DWORD_ADDRESS_SPACE = 0x87;
    static final int MEMORY32_FIXED = 0x86;
    static final int WORD_ADDRESS_SPACE = 0x88;
    static final int TYPE_MEMORY = 0;
    static final int TYPE_IO = 1;
    static final int TYPE_BUS = 2;
    /** General flags: minimum and maximum address fixed, positive decode, resource producer. */
    static final int PRODUCER_FIXED = 0x0C;
    /** I/O type-specific flags: the window covers ISA and non-ISA ranges. */
    static final int IO_ENTIRE_RANGE = 0x03;
    /** Memory type-specific flags: read-write, plus cacheability in bits 1-2. */
    static final int MEMORY_READ_WRITE = 0x01;
    static final int MEMORY_CACHEABLE = 0x02;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** {@code IO(Decode16, base, base, 1, length)}: ports the device itself decodes. */
    Resources ioPorts(int base, int length) {
        out.write(IO_PORT);
        out.write(0x01);
        le(base, 2);
        le(base, 2);
        out.write(1);
        out.write(length);
        return this;
    }

    /** {@code Memory32Fixed(ReadWrite, base, length)}: memory the device itself decodes or reserves. */
    /** A small IRQ descriptor: edge-triggered, active-high ISA interrupt {@code irq}. */
    Resources irq(int irq) {
        out.write(SMALL_IRQ);
        le(1 << irq, 2);
        return this;
    }

    Resources fixedMemory(long base, long length) {
        out.write(MEMORY32_FIXED);
        le(9, 2);
        out.write(MEMORY_READ_WRITE);
        le(base, 4);
        le(length, 4);
        return this;
    }

    /** A bus-number range the bridge forwards. */
    Resources busNumbers(int first, int last) {
        return word(TYPE_BUS, 0, first, last);
    }

    /** A port window the bridge forwards. */
    Resources ioWindow(int first, int last) {
        return word(TYPE_IO, IO_ENTIRE_RANGE, first, last);
    }

    /** A memory window below 4 GiB the bridge forwards. */
    Resources memoryWindow(long first, long last, boolean cacheable) {
        out.write(DWORD_ADDRESS_SPACE);
        le(23, 2);
        out.write(TYPE_MEMORY);
        out.write(PRODUCER_FIXED);
        out.write(MEMORY_READ_WRITE | (cacheable ? MEMORY_CACHEABLE : 0));
        le(0, 4);
        le(first, 4);
        le(last, 4);
        le(0, 4);
        le(last - first + 1, 4);
        return this;
    }

    private Resources word(int type, int typeFlags, int first, int last) {
        out.write(WORD_ADDRESS_SPACE);
        le(13, 2);
        out.write(type);
        out.write(PRODUCER_FIXED);
        out.write(typeFlags);
        le(0, 2);
        le(first, 2);
        le(last, 2);
        le(0, 2);
        le(last - first + 1, 2);
        return this;
    }

    /** The template with its end tag (checksum 0: "treat as correct"), as a {@code Buffer} term. */
    byte[] toBuffer() {
        return Aml.buffer(Aml.concat(out.toByteArray(), new byte[] {END_TAG, 0}));
    }

    private void le(long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }
}

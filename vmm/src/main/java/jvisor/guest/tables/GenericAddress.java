package jvisor.guest.tables;

/**
 * An ACPI Generic Address Structure (12 bytes): address space, register width and offset in
 * bits, access size, address.
 */
record GenericAddress(int spaceId, int bitWidth, int bitOffset, int accessSize, long address) {
    static final int SYSTEM_MEMORY = 0;
    static final int SYSTEM_IO = 1;
    static final int ACCESS_UNDEFINED = 0;
    static final int ACCESS_BYTE = 1;
    static final GenericAddress NONE = new GenericAddress(0, 0, 0, 0, 0);

    /** An I/O-port register block of {@code bytes} bytes at {@code port}. */
    static GenericAddress io(int port, int bytes, int accessSize) {
        return new GenericAddress(SYSTEM_IO, bytes * 8, 0, accessSize, port);
    }

    void writeTo(TableWriter w) {
        w.u8(spaceId).u8(bitWidth).u8(bitOffset).u8(accessSize).u64(address);
    }
}

package jvisor.guest.linux;

/** One entry of the BIOS memory map the zero page carries. */
public record E820Entry(long address, long size, int type) {
    public static final int RAM = 1;
    public static final int RESERVED = 2;
    public static final int ACPI = 3;

    public E820Entry {
        if (address < 0 || size <= 0 || address + size < address) {
            throw new IllegalArgumentException(String.format("bad e820 range 0x%x+0x%x", address, size));
        }
    }

    public long end() {
        return address + size;
    }
}

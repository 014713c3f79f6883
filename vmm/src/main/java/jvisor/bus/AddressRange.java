package jvisor.bus;

/** A guest-physical range {@code [base, base + size)}. */
public record AddressRange(long base, long size) implements Comparable<AddressRange> {
    public AddressRange {
        if (size <= 0 || base < 0 || base + size < base) {
            throw new IllegalArgumentException(String.format("bad address range %#x+%#x", base, size));
        }
    }

    public long end() {
        return base + size;
    }

    public boolean contains(long address) {
        return address >= base && address - base < size;
    }

    public boolean overlaps(AddressRange other) {
        return base < other.end() && other.base < end();
    }

    @Override
    public int compareTo(AddressRange other) {
        return Long.compareUnsigned(base, other.base);
    }

    @Override
    public String toString() {
        return String.format("%#x-%#x", base, end() - 1);
    }
}

package jvisor.guest;

/**
 * One piece of a kernel image to copy into guest RAM: {@code fileSize} bytes from
 * {@code fileOffset} of the file to guest-physical {@code address}, then zeros up to
 * {@code memSize} (the BSS).
 *
 * @param what a name for messages, e.g. "segment 2" or "the a.out image"
 */
public record LoadSegment(String what, long fileOffset, long fileSize, long address, long memSize) {
    public LoadSegment {
        if (fileOffset < 0 || fileSize < 0 || memSize < fileSize || address < 0) {
            throw new IllegalArgumentException("inconsistent load segment " + what);
        }
    }

    public long end() {
        return address + memSize;
    }

    public boolean contains(long physical) {
        return physical >= address && physical - address < memSize;
    }

    @Override
    public String toString() {
        return String.format("%s [%#x-%#x)", what, address, end());
    }
}

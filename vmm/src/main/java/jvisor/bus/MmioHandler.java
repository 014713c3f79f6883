package jvisor.bus;

/** A device's MMIO hook. {@code offset} is relative to the start of the registered range. */
public interface MmioHandler {
    long read(long offset, int size);

    void write(long offset, int size, long value);

    /** All ones of the access size. */
    static long floating(int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }
}

package jvisor.engine;

/** The access of an MMIO exit, read in place from the engine's exit record. */
public interface MmioExit {
    long address();

    /** 1, 2, 4 or 8. */
    int size();

    boolean isWrite();

    long value();

    /** Stores the result of a read; the engine hands it to the guest on the next run. */
    void setValue(long value);
}

package jvisor.engine;

/**
 * The port I/O of an IO exit, read in place from the engine's exit record. String instructions
 * and REP prefixes give {@code count > 1} consecutive values of {@code size} bytes each.
 */
public interface IoExit {
    int port();

    /** 1, 2 or 4. */
    int size();

    boolean isWrite();

    int count();

    /** Value {@code i} of an OUT. */
    int value(int i);

    /** Stores value {@code i} of an IN; the engine hands it to the guest on the next run. */
    void setValue(int i, int value);
}

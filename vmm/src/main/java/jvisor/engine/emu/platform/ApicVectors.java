package jvisor.engine.emu.platform;

import java.util.Arrays;

/** A 256-bit set of interrupt vectors: a local APIC's IRR, ISR or TMR. Not thread-safe. */
final class ApicVectors {
    private final long[] words = new long[4];

    void set(int vector) {
        words[vector >>> 6] |= 1L << vector;
    }

    void clear(int vector) {
        words[vector >>> 6] &= ~(1L << vector);
    }

    boolean get(int vector) {
        return (words[vector >>> 6] & (1L << vector)) != 0;
    }

    /** The highest vector in the set, or -1 if it is empty. */
    int highest() {
        for (int i = words.length - 1; i >= 0; i--) {
            if (words[i] != 0) {
                return i * 64 + 63 - Long.numberOfLeadingZeros(words[i]);
            }
        }
        return -1;
    }

    void clearAll() {
        Arrays.fill(words, 0);
    }

    /** Bits {@code 32 * index} to {@code 32 * index + 31}: the register at offset {@code 0x10 * index}. */
    int register(int index) {
        return (int) (words[index >>> 1] >>> ((index & 1) * 32));
    }
}

package jvisor.engine.emu.platform;

/**
 * One counter of the Intel 8254: modes 0-5, binary or BCD, the byte access modes, counter and
 * status latches. Time is in PIT input clocks ("ticks"); the counter's value and output are
 * computed from the tick of the last (re)start when read, never counted one by one. Not
 * thread-safe: {@link Pit8254} locks the chip. Every method that takes {@code now} expects it
 * to be no earlier than the last one given.
 *
 * <p>The count is taken over on the write that completes it rather than one clock later, so OUT
 * rises after N clocks rather than N + 1; nothing a guest can measure depends on it.
 */
final class PitChannel {
    static final long NEVER = Long.MAX_VALUE;

    private int modeBits;
    private int mode;
    private int access = 3;
    private boolean bcd;
    private boolean gate;
    /** A count was written since the control word. */
    private boolean loaded;
    /** The counter is running (modes 0/4: gate high; 1/5: triggered; 2/3: gate high). */
    private boolean counting;
    /** Modes 1 and 5: a gate rising edge has started the count. */
    private boolean triggered;
    /** N, the count in use: 1 to 65536 (10000 in BCD). */
    private long count = 0x10000;
    private long startTick;
    private long frozenElapsed;
    /** A count written while counting (modes 1, 2, 3, 5) takes over later; -1 when none. */
    private long pendingCount = -1;
    /** Modes 2 and 3: the end of the period in progress when the pending count was written. */
    private long switchTick;

    private boolean writeHighNext;
    private int writeLow;
    private boolean readHighNext;
    private boolean countLatched;
    private boolean latchHighNext;
    private int latchedCount;
    private boolean statusLatched;
    private int latchedStatus;

    PitChannel(boolean gate) {
        this.gate = gate;
    }

    /** A control word for this counter with RW != 0: new access mode, mode and BCD flag. */
    void program(int accessMode, int modeField, boolean bcdCounting, long now) {
        advance(now);
        access = accessMode;
        modeBits = modeField;
        mode = modeField > 5 ? modeField - 4 : modeField; // 6 and 7 are 2 and 3
        bcd = bcdCounting;
        loaded = false;
        counting = false;
        triggered = false;
        pendingCount = -1;
        frozenElapsed = 0;
        writeHighNext = false;
        readHighNext = false;
        countLatched = false;
        statusLatched = false;
    }

    void writeByte(int value, long now) {
        advance(now);
        switch (access) {
            case 1 -> load(value, now);
            case 2 -> load(value << 8, now);
            default -> {
                if (!writeHighNext) {
                    writeLow = value;
                    writeHighNext = true;
                } else {
                    writeHighNext = false;
                    load(writeLow | value << 8, now);
                }
            }
        }
    }

    int readByte(long now) {
        advance(now);
        if (statusLatched) {
            statusLatched = false;
            return latchedStatus;
        }
        if (countLatched) {
            boolean high = access == 2 || access == 3 && latchHighNext;
            latchHighNext = !latchHighNext;
            if (access != 3 || !latchHighNext) {
                countLatched = false;
            }
            return high ? latchedCount >>> 8 : latchedCount & 0xFF;
        }
        int value = counter(now);
        boolean high = access == 2 || access == 3 && readHighNext;
        if (access == 3) {
            readHighNext = !readHighNext;
        }
        return high ? value >>> 8 : value & 0xFF;
    }

    /** The counter latch command: freezes the value read next until it has been read. */
    void latchCount(long now) {
        advance(now);
        if (!countLatched) {
            countLatched = true;
            latchHighNext = false;
            latchedCount = counter(now);
        }
    }

    /** Read-back's status latch: OUT, null count (always clear), RW, mode and BCD as programmed. */
    void latchStatus(long now) {
        advance(now);
        if (!statusLatched) {
            statusLatched = true;
            latchedStatus = (output(now) ? 0x80 : 0) | access << 4 | modeBits << 1 | (bcd ? 1 : 0);
        }
    }

    /** The GATE input (tied high on counters 0 and 1; port 0x61 bit 0 on counter 2). */
    void setGate(boolean level, long now) {
        advance(now);
        if (level == gate) {
            return;
        }
        gate = level;
        if (!loaded) {
            return;
        }
        switch (mode) {
            case 0, 4 -> {
                if (level) {
                    startTick = now - frozenElapsed; // resumes where it paused
                    counting = true;
                } else {
                    frozenElapsed = now - startTick;
                    counting = false;
                }
            }
            case 1, 5 -> {
                if (level) {
                    takePendingCount();
                    triggered = true;
                    start(now);
                }
            }
            default -> {
                if (level) {
                    takePendingCount();
                    start(now); // a trigger reloads
                } else {
                    counting = false; // counting stops, OUT goes high
                    frozenElapsed = 0;
                }
            }
        }
    }

    /** N, the count in use (1 to 65536). */
    long count() {
        return count;
    }

    boolean gate() {
        return gate;
    }

    /** The OUT pin at {@code now}. */
    boolean output(long now) {
        advance(now);
        if (!loaded) {
            return mode != 0; // a control word sets OUT low in mode 0, high otherwise
        }
        long d = elapsed(now);
        return switch (mode) {
            case 0 -> d >= count;
            case 1 -> !triggered || d >= count;
            case 2 -> !counting || d % count != count - 1;
            case 3 -> !counting || d % count < (count + 1) / 2;
            case 4 -> d != count;
            default -> !triggered || d != count;
        };
    }

    /** The first tick after {@code after} at which OUT rises (the edge that interrupts), or NEVER. */
    long nextRisingEdge(long after) {
        if (!loaded || !counting) {
            return NEVER;
        }
        long edge = switch (mode) {
            case 0, 1 -> startTick + count;
            case 4, 5 -> startTick + count + 1; // low for the one clock after the count expires
            default -> periodicEdge(after);
        };
        return edge > after ? edge : NEVER;
    }

    private long periodicEdge(long after) {
        if (pendingCount >= 0) {
            if (switchTick > after) {
                return switchTick;
            }
            return switchTick + ((after - switchTick) / pendingCount + 1) * pendingCount;
        }
        if (after < startTick) {
            return startTick + count;
        }
        return startTick + ((after - startTick) / count + 1) * count;
    }

    /** The counting element's value as the guest reads it. */
    private int counter(long now) {
        long d = elapsed(now);
        long value = switch (mode) {
            case 2 -> counting ? count - d % count : count;
            case 3 -> counting ? (count - (2 * d) % count) & ~1L : count;
            case 1, 5 -> triggered ? count - d : count;
            default -> count - d;
        };
        long modulus = bcd ? 10_000 : 0x10000;
        value = Math.floorMod(value, modulus);
        return bcd ? toBcd(value) : (int) value;
    }

    private void load(int raw, long now) {
        long n = bcd ? fromBcd(raw) : raw;
        if (n == 0) {
            n = bcd ? 10_000 : 0x10000;
        }
        switch (mode) {
            case 0, 4 -> {
                count = n;
                pendingCount = -1;
                loaded = true;
                frozenElapsed = 0;
                startTick = now;
                counting = gate;
            }
            case 1, 5 -> {
                if (triggered) {
                    pendingCount = n; // used from the next trigger
                } else {
                    count = n;
                }
                loaded = true;
            }
            default -> {
                if (loaded && counting) {
                    pendingCount = n; // takes over at the end of the current period
                    switchTick = startTick + ((now - startTick) / count + 1) * count;
                } else {
                    count = n;
                    loaded = true;
                    if (gate) {
                        start(now);
                    }
                }
            }
        }
    }

    /** Brings the counter up to {@code now}: a pending count of mode 2 or 3 takes over once its period has begun. */
    void advance(long now) {
        if (pendingCount >= 0 && counting && (mode == 2 || mode == 3) && now >= switchTick) {
            count = pendingCount;
            pendingCount = -1;
            startTick = switchTick;
        }
    }

    private void takePendingCount() {
        if (pendingCount >= 0) {
            count = pendingCount;
            pendingCount = -1;
        }
    }

    private void start(long now) {
        startTick = now;
        frozenElapsed = 0;
        counting = true;
    }

    private long elapsed(long now) {
        return counting ? now - startTick : frozenElapsed;
    }

    private static long fromBcd(int raw) {
        return (raw >>> 12 & 0xF) * 1000L + (raw >>> 8 & 0xF) * 100L + (raw >>> 4 & 0xF) * 10L + (raw & 0xF);
    }

    private static int toBcd(long value) {
        int v = (int) value;
        return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
    }
}

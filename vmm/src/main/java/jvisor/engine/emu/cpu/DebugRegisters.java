package jvisor.engine.emu.cpu;

/**
 * The guest's debug registers DR0-DR3, DR6 and DR7 (SDM vol. 3 ch. 18) and what DR7 arms:
 * instruction breakpoints, checked by the interpreter before an instruction runs, and data
 * breakpoints, which the MMU's {@link DataWatch} checks on every access that reaches its slow
 * path. I/O breakpoints (R/W = 10 with CR4.DE) are not implemented: such an entry arms nothing.
 * DR6's B0-B3 are rewritten on every debug exception the processor raises; its other status
 * bits are only ever set.
 */
public final class DebugRegisters {
    public static final long DR6_B_MASK = 0xF;
    public static final long DR6_BD = 1L << 13;
    private static final long DR6_FIXED = jvisor.engine.DebugRegisters.DR6_FIXED;
    private static final long DR7_FIXED = jvisor.engine.DebugRegisters.DR7_FIXED;
    public static final long DR7_GD = 1L << 13;
    /** DR7 bits 11, 12, 14 and 15 read as 0. */
    private static final long DR7_ZERO = 0xD800L;

    private final Cpu c;
    private final long[] address = new long[4];
    private long dr6 = DR6_FIXED;
    private long dr7 = DR7_FIXED;

    /** Instruction breakpoints DR7 enables: how many, their linear addresses and their DR6 bits. */
    private int execCount;
    private final long[] execAddress = new long[4];
    private final int[] execBit = new int[4];
    /** Whether any instruction breakpoint is enabled: the interpreter then runs watched blocks. */
    private boolean execArmed;
    /**
     * B0-B3 of data breakpoints hit by the instruction running now, reported as a trap when it
     * completes (held one more instruction after MOV SS / POP SS). Set by the MMU's watch.
     */
    private int pending;

    DebugRegisters(Cpu c) {
        this.c = c;
    }

    public boolean execArmed() {
        return execArmed;
    }

    public int pending() {
        return pending;
    }

    /** The instruction running now hit the data breakpoints {@code hits} (B0-B3). */
    void addPending(int hits) {
        pending |= hits;
        attend();
    }

    /** The instruction did not complete: the data breakpoints it hit are not reported. */
    public void clearPending() {
        pending = 0;
        attend();
    }

    /** Tells the interpreter whether it has anything to look at here between blocks ({@link Cpu#debugAttention}). */
    private void attend() {
        c.debugAttention = execArmed || pending != 0;
    }

    /** DR0-DR3, DR6 or DR7 as MOV from DRn reads it ({@code n} already resolved from DR4/DR5). */
    public long read(int n) {
        return switch (n) {
            case 6 -> dr6;
            case 7 -> dr7;
            default -> address[n];
        };
    }

    /** MOV to DRn after the privilege and alias checks: #GP for DR6/DR7 bits above 31. */
    void write(int n, long v) {
        switch (n) {
            case 6 -> {
                if ((v >>> 32) != 0) {
                    throw c.fault(Vectors.GP, 0);
                }
                dr6 = v | DR6_FIXED;
            }
            case 7 -> {
                if ((v >>> 32) != 0) {
                    throw c.fault(Vectors.GP, 0);
                }
                dr7 = (v | DR7_FIXED) & ~DR7_ZERO;
                rearm();
            }
            default -> {
                address[n] = v;
                rearm();
            }
        }
    }

    /** Loads the registers as they are (a state transfer, INIT), re-arming what DR7 enables. */
    public void load(long dr0, long dr1, long dr2, long dr3, long newDr6, long newDr7) {
        address[0] = dr0;
        address[1] = dr1;
        address[2] = dr2;
        address[3] = dr3;
        dr6 = newDr6 | DR6_FIXED;
        dr7 = (newDr7 | DR7_FIXED) & ~DR7_ZERO;
        pending = 0;
        rearm();
    }

    /**
     * DR7.GD: every MOV DR raises a fault-class #DB with DR6.BD set, and delivering it clears GD
     * (so the handler itself can use the debug registers).
     */
    void checkGeneralDetect() {
        if ((dr7 & DR7_GD) != 0) {
            dr6 = (dr6 & ~DR6_B_MASK) | DR6_BD;
            dr7 &= ~DR7_GD;
            throw c.fault(Vectors.DB);
        }
    }

    /**
     * A debug exception is being raised with status bits {@code bits} (BS for a single step):
     * B0-B3 become the breakpoints that hit, pending data breakpoints included, which this one
     * #DB reports.
     */
    public void raise(long bits) {
        dr6 = (dr6 & ~DR6_B_MASK) | pending | bits;
        clearPending();
    }

    /** The DR6 bits of the instruction breakpoints at linear address {@code lin}, 0 if none. */
    public int instructionHits(long lin) {
        int hits = 0;
        for (int k = 0; k < execCount; k++) {
            if (execAddress[k] == lin) {
                hits |= execBit[k];
            }
        }
        return hits;
    }

    /** Whether an instruction breakpoint lies in {@code [from, to)} (linear). */
    public boolean instructionBreakpointIn(long from, long to) {
        for (int k = 0; k < execCount; k++) {
            if (Long.compareUnsigned(execAddress[k], from) >= 0 && Long.compareUnsigned(execAddress[k], to) < 0) {
                return true;
            }
        }
        return false;
    }

    /** Recomputes what DR7 enables and hands the data breakpoints to the MMU. */
    private void rearm() {
        execCount = 0;
        long[] starts = new long[4];
        int[] lengths = new int[4];
        int[] kinds = new int[4];
        int[] owners = new int[4];
        int data = 0;
        for (int n = 0; n < 4; n++) {
            if (((dr7 >>> (2 * n)) & 3) == 0) {
                continue;
            }
            int rw = jvisor.engine.DebugRegisters.rw(dr7, n);
            int len = jvisor.engine.DebugRegisters.length(dr7, n);
            if (rw == jvisor.engine.DebugRegisters.RW_EXECUTE) {
                execAddress[execCount] = address[n];
                execBit[execCount++] = 1 << n;
            } else if (rw != jvisor.engine.DebugRegisters.RW_IO) {
                // The address is aligned down to the length (its low bits are ignored).
                starts[data] = address[n] & -len;
                lengths[data] = len;
                kinds[data] = rw == jvisor.engine.DebugRegisters.RW_WRITE ? DataWatch.WRITE : DataWatch.READ | DataWatch.WRITE;
                owners[data++] = n;
            }
        }
        execArmed = execCount != 0;
        attend();
        c.mmu.watch.setGuest(data, starts, lengths, kinds, owners);
    }
}

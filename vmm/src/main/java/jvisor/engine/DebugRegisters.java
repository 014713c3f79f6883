package jvisor.engine;

/**
 * The debug registers a guest programs (KVM's kvm_debugregs): DR0-DR3, DR6 and DR7, and their
 * encodings (Intel SDM vol. 3, 18.2), which emu's debug registers and kvm's guest debugging share:
 * DR7 enables address register i with its L bit and says in R/W and LEN what it stops on; DR6
 * says which one fired.
 */
public record DebugRegisters(long dr0, long dr1, long dr2, long dr3, long dr6, long dr7) {
    /** The bits DR6 always reads as 1 (RTM at bit 16 is active-low and there is no RTM). */
    public static final long DR6_FIXED = 0xFFFF_0FF0L;
    /** DR6.BS: the debug exception is a single step. */
    public static final long DR6_BS = 1L << 14;
    /** DR7 bit 10, which reads as 1. */
    public static final long DR7_FIXED = 0x400;
    /** DR7's LE and GE (exact data breakpoints on old processors) with bit 10. */
    public static final long DR7_EXACT = (1L << 8) | (1L << 9) | DR7_FIXED;

    /** R/W field values: execute, write, I/O (with CR4.DE), reads or writes (no read-only kind). */
    public static final int RW_EXECUTE = 0b00;
    public static final int RW_WRITE = 0b01;
    public static final int RW_IO = 0b10;
    public static final int RW_ACCESS = 0b11;

    /** The values after RESET and INIT. */
    public static final DebugRegisters RESET = new DebugRegisters(0, 0, 0, 0, DR6_FIXED, DR7_FIXED);

    /** DR7 bits that enable address register {@code i} for {@code rw} over {@code length} bytes (1, 2, 4 or 8). */
    public static long enable(int i, int rw, int length) {
        if (i < 0 || i > 3) {
            throw new IllegalArgumentException("debug address register " + i);
        }
        int len = switch (length) {
            case 1 -> 0b00;
            case 2 -> 0b01;
            case 8 -> 0b10;
            case 4 -> 0b11;
            default -> throw new IllegalArgumentException("a debug register watches 1, 2, 4 or 8 bytes, not " + length);
        };
        if (rw == RW_EXECUTE && length != 1) {
            throw new IllegalArgumentException("an instruction breakpoint has LEN 0 (1 byte)");
        }
        return (1L << (2 * i)) | ((long) rw << (16 + 4 * i)) | ((long) len << (18 + 4 * i));
    }

    /** The R/W field of address register {@code i} in {@code dr7}. */
    public static int rw(long dr7, int i) {
        return (int) (dr7 >>> (16 + 4 * i)) & 3;
    }

    /** The length in bytes the LEN field of address register {@code i} in {@code dr7} gives. */
    public static int length(long dr7, int i) {
        return switch ((int) (dr7 >>> (18 + 4 * i)) & 3) {
            case 0 -> 1;
            case 1 -> 2;
            case 3 -> 4;
            default -> 8;
        };
    }

    @Override
    public String toString() {
        return String.format("dr0=%016x dr1=%016x dr2=%016x dr3=%016x dr6=%016x dr7=%016x", dr0, dr1, dr2, dr3, dr6, dr7);
    }
}

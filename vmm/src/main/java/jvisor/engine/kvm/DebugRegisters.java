package jvisor.engine.kvm;

/**
 * The x86 debug registers' encodings (Intel SDM vol. 3, 18.2): DR7 enables address register i
 * with its L bit and says in R/W and LEN what it stops on; DR6 says which one fired.
 */
final class DebugRegisters {
    private DebugRegisters() { }

    static final int RW_EXECUTE = 0b00;
    static final int RW_WRITE = 0b01;
    /** Reads or writes (there is no read-only kind; 0b10 is I/O). */
    static final int RW_ACCESS = 0b11;
    /** LE and GE (exact data breakpoints on old processors) and bit 10, which reads as 1. */
    static final long DR7_EXACT = (1L << 8) | (1L << 9) | (1L << 10);
    /** DR6.BS: the stop is a single step. */
    static final long DR6_BS = 1L << 14;
    static final int DB_VECTOR = 1;

    /** DR7 bits that enable address register {@code i} for {@code rw} over {@code length} bytes (1, 2, 4 or 8). */
    static long enable(int i, int rw, int length) {
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
}

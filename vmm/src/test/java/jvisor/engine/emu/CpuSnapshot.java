package jvisor.engine.emu;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * General registers (encoding order), RFLAGS, the data area and the x87/SSE state as an FXSAVE64
 * image: what the differential harness compares. A snapshot built without an image starts from
 * the state after FNINIT with the default MXCSR and zeroed XMM registers.
 */
public record CpuSnapshot(long[] regs, long rflags, byte[] memory, byte[] fpu) {
    public static final int FPU_SIZE = 512;

    public CpuSnapshot(long[] regs, long rflags, byte[] memory) {
        this(regs, rflags, memory, null);
    }

    /** The FXSAVE64 image of the FPU state after FNINIT, MXCSR 0x1F80, XMM zero. */
    public static byte[] defaultFpu() {
        byte[] b = new byte[FPU_SIZE];
        b[0] = 0x7F;
        b[1] = 0x03;
        b[24] = (byte) 0x80;
        b[25] = 0x1F;
        return b;
    }

    public byte[] fpuOrDefault() {
        return fpu != null ? fpu : defaultFpu();
    }

    /** The flags both sides can set and compare: CF PF AF ZF SF OF DF. */
    public static final long COMPARED_FLAGS = 0xCD5L;

    private static final String[] NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    /**
     * Parts of a snapshot a comparison leaves out: flags, bits of each register, bytes of the
     * data area (where the architecture leaves them undefined and the host may differ).
     */
    public record Ignored(long flags, long[] registerBits, java.util.BitSet memory) {
        public static Ignored nothing() {
            return new Ignored(0, new long[16], new java.util.BitSet());
        }

        public boolean isNothing() {
            return flags == 0 && Arrays.stream(registerBits).allMatch(b -> b == 0) && memory.isEmpty();
        }
    }

    /** This snapshot with the {@code ignored} parts cleared, so that two of them compare equal there. */
    public CpuSnapshot without(Ignored ignored) {
        long[] r = regs.clone();
        for (int i = 0; i < 16; i++) {
            r[i] &= ~ignored.registerBits()[i];
        }
        byte[] m = memory.clone();
        ignored.memory().stream().filter(at -> at < m.length).forEach(at -> m[at] = 0);
        return new CpuSnapshot(r, rflags & ~ignored.flags(), m, fpu);
    }

    /** Differences from {@code other} outside the {@code ignored} parts. */
    public String diff(CpuSnapshot other, Ignored ignored) {
        return ignored.isNothing() ? diff(other) : without(ignored).diff(other.without(ignored));
    }

    /** Differences from {@code other}, one per line; empty if none. */
    public String diff(CpuSnapshot other) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if (regs[i] != other.regs[i]) {
                sb.append(String.format("%s: %016x vs %016x%n", NAMES[i], regs[i], other.regs[i]));
            }
        }
        long a = rflags & COMPARED_FLAGS;
        long b = other.rflags & COMPARED_FLAGS;
        if (a != b) {
            sb.append(String.format("rflags: %03x vs %03x (differ %03x)%n", a, b, a ^ b));
        }
        int at = Arrays.mismatch(memory, other.memory);
        if (at >= 0) {
            int end = Math.min(memory.length, at + 16);
            sb.append(String.format("memory at +%x: %s vs %s%n", at,
                    HexFormat.of().formatHex(memory, at, end), HexFormat.of().formatHex(other.memory, at, end)));
        }
        if (fpu != null && other.fpu != null) {
            sb.append(FpuImage.diff(fpu, other.fpu, FpuImage.EXACT));
        }
        return sb.toString();
    }

    public static String name(int reg) {
        return NAMES[reg];
    }
}

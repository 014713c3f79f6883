package jvisor.engine.emu;

import java.util.Arrays;
import java.util.HexFormat;

/** General registers (encoding order), RFLAGS and the data area: what the differential harness compares. */
public record CpuSnapshot(long[] regs, long rflags, byte[] memory) {
    /** The flags both sides can set and compare: CF PF AF ZF SF OF DF. */
    public static final long COMPARED_FLAGS = 0xCD5L;

    private static final String[] NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

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
        return sb.toString();
    }

    public static String name(int reg) {
        return NAMES[reg];
    }
}

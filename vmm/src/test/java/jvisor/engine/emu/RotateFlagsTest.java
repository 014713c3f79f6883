package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ROL, ROR, RCL and RCR at every count against the host processor: the random forms of
 * {@link HostDifferentialTest} reach only a few counts per form, and OF for counts above one
 * (undefined in the SDM, but what the host does) and CF for RCL/RCR counts past the operand's
 * width are where a rotate goes wrong. Every count 0..63 through CL and a spread of immediate
 * counts, with CF clear and set, interpreted, in regions for C1 and in regions for C2; also
 * rotates followed by an instruction that overwrites their flags, and by one that reads them,
 * with loads and stores between (the flags a region leaves out unless a fault could see them).
 * On a host other than AMD's, OF after counts other than 1 is not compared, nor is anything
 * after an instruction that reads it ({@link HostComparison}).
 */
class RotateFlagsTest {
    private static NativeCpu host;
    private static EmuOracleRunner emu;
    private static final String[] OPS = {"rol", "ror", "rcl", "rcr"};
    private static final String[][] REGS = {{"8", "dl"}, {"16", "dx"}, {"32", "edx"}, {"64", "rdx"}};
    private static final int[] IMMEDIATES = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31};

    @BeforeAll
    static void setUp() {
        Assumptions.assumeTrue(NativeCpu.available(), "the host is not an x86-64 Linux");
        host = new NativeCpu();
        emu = new EmuOracleRunner(host);
    }

    @AfterAll
    static void tearDown() {
        if (emu != null) {
            emu.close();
        }
    }

    private enum Tier { INTERPRETED, C1, C2 }

    private static void tier(Tier t) {
        switch (t) {
            case INTERPRETED -> emu.compileThreshold(0);
            case C1 -> emu.compileThreshold(1);
            case C2 -> emu.compileForC2();
        }
    }

    /** Runs {@code source} with RCX = count, RDX = value and CF as given on both; returns the differences. */
    private static String differences(String source, long count, long value, boolean cf, Random rnd) {
        CpuSnapshot in = HostDifferentialTest.randomState(host, rnd, rnd.nextLong() & ~1L | (cf ? 1 : 0));
        in.regs()[1] = count;
        in.regs()[2] = value;
        List<String> insns = HostComparison.instructions(source);
        HostComparison c = HostComparison.of(insns, in, host.dataAddress());
        String compared = String.join("\n", insns.subList(0, c.units()));
        CpuSnapshot expected = host.run(Asm.code64(compared), in);
        CpuSnapshot actual = emu.run(Asm.code64(compared), in);
        String d = c.diff(expected, actual);
        return d.isEmpty() ? "" : source + c + " rcx=" + count + " rdx=" + Long.toHexString(value) + " cf=" + (cf ? 1 : 0)
                + ": " + d.strip().replace('\n', ';');
    }

    private static void check(List<String> sources, int[] counts) {
        Random rnd = new Random(99);
        List<String> failures = new ArrayList<>();
        for (Tier t : Tier.values()) {
            tier(t);
            for (String source : sources) {
                for (int count : counts) {
                    for (boolean cf : new boolean[] {false, true}) {
                        for (long value : new long[] {rnd.nextLong(), 0x8000_0000_0000_0001L, 0x4000_4040_4040_4040L}) {
                            String d = differences(source, count, value, cf, rnd);
                            if (!d.isEmpty() && failures.size() < 20) {
                                failures.add(t + " " + d);
                            }
                        }
                    }
                }
            }
        }
        assertEquals("", String.join("\n", failures));
    }

    @Test
    void everyCountThroughClMatchesTheHost() {
        List<String> sources = new ArrayList<>();
        for (String op : OPS) {
            for (String[] r : REGS) {
                sources.add(op + " " + r[1] + ", cl");
            }
        }
        int[] counts = new int[64];
        for (int k = 0; k < 64; k++) {
            counts[k] = k;
        }
        check(sources, counts);
    }

    @Test
    void immediateCountsMatchTheHost() {
        List<String> sources = new ArrayList<>();
        for (String op : OPS) {
            for (String[] r : REGS) {
                for (int n : IMMEDIATES) {
                    sources.add(op + " " + r[1] + ", " + n);
                }
                sources.add(op + " " + r[1] + ", 63");
            }
        }
        check(sources, new int[] {0});
    }

    /**
     * A rotate whose CF and OF a later instruction overwrites, one whose flags a later instruction
     * reads, and one followed by a load that may fault before the flags are overwritten.
     */
    @Test
    void rotatesBeforeFlagWritersAndReadersMatchTheHost() {
        List<String> sources = List.of(
                "ror edx, 6; mov eax, edx; ror eax, 11; xor edx, eax",
                "rol rdx, 13; add rdx, rcx",
                "ror edx, 7; mov eax, edx; adc eax, ecx",
                "rol edx, 9; seto al; setc ah",
                "ror edx, 3; mov eax, dword ptr [rbx]; xor eax, edx",
                "rol dx, cl; lea eax, [rdx+1]; cmovo ecx, eax",
                "shl edx, 3; rol ecx, 1; setz al; sets ah; setp cl",
                "shr rdx, 9; mov eax, edx; ror eax, 4; setz cl; setc ch",
                "sar edx, 1; ror edx, 2; xor eax, eax; adc eax, edx",
                "rol rdx, 17; ror edx, 1; rol dl, 2; sub eax, edx",
                "add edx, ecx; mov eax, edx; xor eax, ecx; adc eax, edx",
                "sub rdx, rcx; rol eax, 3; setz cl; setc ch",
                "and edx, ecx; add eax, edx; cmp eax, ecx; sbb eax, eax",
                "shr edx, 8; movzx eax, byte ptr [rbx]; xor edx, dword ptr [rbx + 8]",
                "shr edx, 8; movzx eax, byte ptr [rbx]; xor edx, dword ptr [rbx + 8]; setc al; sets ah",
                "sar rdx, 3; mov qword ptr [rbx + 16], rdx; add rdx, qword ptr [rbx]; setc al; seto ah",
                "ror edx, 7; mov eax, dword ptr [rbx]; ror eax, 2; seto cl; setc ch",
                "ror edx, 7; mov eax, dword ptr [rbx]; ror eax, 2; xor edx, eax",
                "rol rdx, 5; mov dword ptr [rbx], edx; shl edx, 1; setc al; setz ah",
                "add edx, ecx; mov dword ptr [rbx], edx; cmp eax, dword ptr [rbx + 4]; setb al; setl ah",
                "add edx, dword ptr [rbx]; mov eax, dword ptr [rbx + 4]; xor eax, edx; setz cl",
                "sub edx, ecx; mov eax, dword ptr [rbx + 4]; test dword ptr [rbx], edx; setz cl; sets ch",
                "xor edx, ecx; mov rax, qword ptr [rbx]; adc eax, edx",
                "shl edx, 4; movzx eax, word ptr [rbx]; add eax, dword ptr [rbx + 8]; seto cl");
        check(sources, new int[] {0, 1, 5, 33});
    }

    /**
     * Rotates and shifts by every immediate count whose flags the next instruction overwrites: a
     * region computes those from the value alone in its own bytecode (two shifts and an OR for a
     * rotate), not through the interpreter's Shifts.
     */
    @Test
    void rotatesAndShiftsWithoutFlagsMatchTheHostAtEveryCount() {
        List<String> sources = new ArrayList<>();
        for (String op : new String[] {"rol", "ror", "shl", "shr", "sar"}) {
            for (int n = 1; n < 64; n++) {
                if (n < 32) {
                    sources.add(op + " edx, " + n + "; xor eax, ecx");
                }
                sources.add(op + " rdx, " + n + "; add rax, rcx");
            }
        }
        check(sources, new int[] {5});
    }

    /**
     * An ALU operation whose flags a later one overwrites with rotates between: left out only where
     * nothing between can fault; a reader after the rotate, or a load before the overwriter, keeps
     * them.
     */
    @Test
    void flagsOverwrittenPastRotatesMatchTheHost() {
        List<String> sources = List.of(
                "xor edx, ecx; mov eax, edx; rol eax, 7; xor edx, eax",
                "add edx, ecx; ror eax, 3; mov r8d, edx; rol r8d, 9; sub eax, r8d",
                "sub rdx, rcx; rol rax, 13; ror rdx, 1; and eax, edx; setz cl; sets ch",
                "xor edx, ecx; rol eax, 3; setz cl; seto ch; setc dh",
                "and edx, ecx; ror eax, 5; adc eax, edx",
                "or edx, ecx; rol eax, 1; mov ecx, dword ptr [rbx]; add eax, edx; setz cl",
                "xor edx, ecx; rol eax, 2; mov ecx, dword ptr [rbx]; add eax, dword ptr [rbx + 4]",
                "add edx, ecx; ror eax, 4; xor eax, dword ptr [rbx]; sets cl",
                "sub edx, ecx; rol eax, 1; rol edx, 1; cmovz eax, ecx",
                "shl edx, 3; rol eax, 5; add edx, eax; setp cl; setc ch");
        check(sources, new int[] {0, 1, 5, 33});
    }
}

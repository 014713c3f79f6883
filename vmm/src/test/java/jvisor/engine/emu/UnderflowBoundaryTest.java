package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Results at the edge of the normal range, where random operands rarely land: products and
 * quotients just below, at and just above the smallest normal of single, double and extended
 * precision, under every rounding mode, with FTZ and DAZ on and off. Tininess (detected after
 * rounding), the underflow and precision flags, flush-to-zero and denormal results must match
 * the host exactly.
 */
class UnderflowBoundaryTest {
    private static NativeCpu host;
    private static EmuOracleRunner emu;

    @BeforeContainer
    static void setUp() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeCpu.available(), "the host is not an x86-64 Linux");
        host = new NativeCpu();
        emu = new EmuOracleRunner(host);
    }

    @AfterContainer
    static void tearDown() {
        if (emu != null) {
            emu.close();
        }
    }

    /** A double near 2^e: 1 + a few ulps (or 2 - a few ulps) times 2^e. */
    static long doubleNear(Random rnd, int e) {
        long frac = rnd.nextBoolean() ? rnd.nextInt(4) : 0xF_FFFF_FFFF_FFFFL - rnd.nextInt(4);
        if (rnd.nextInt(4) == 0) {
            frac = rnd.nextLong() & 0xF_FFFF_FFFF_FFFFL;
        }
        return ((long) (e + 1023) << 52) | frac | (rnd.nextInt(8) == 0 ? Long.MIN_VALUE : 0);
    }

    static int floatNear(Random rnd, int e) {
        int frac = rnd.nextBoolean() ? rnd.nextInt(4) : 0x7F_FFFF - rnd.nextInt(4);
        if (rnd.nextInt(4) == 0) {
            frac = rnd.nextInt() & 0x7F_FFFF;
        }
        return ((e + 127) << 23) | frac | (rnd.nextInt(8) == 0 ? 0x8000_0000 : 0);
    }

    private static String compare(String asm, Random rnd, int cases, boolean x87) {
        byte[] code = Asm.code64(asm);
        List<String> failures = new ArrayList<>();
        for (int k = 0; k < cases && failures.size() < 4; k++) {
            ByteBuffer b = ByteBuffer.wrap(CpuSnapshot.defaultFpu()).order(ByteOrder.LITTLE_ENDIAN);
            int mxcsr = 0x1F80 | (rnd.nextInt(4) << 13) | (rnd.nextBoolean() ? 0x8000 : 0) | (rnd.nextBoolean() ? 0x40 : 0);
            b.putInt(24, mxcsr);
            b.putShort(0, (short) (0x037F | (rnd.nextInt(4) << 10)));
            int split = -rnd.nextInt(3);
            b.putLong(160, doubleNear(rnd, -511 + split) | (long) floatNear(rnd, -63 + split) << 0 & 0);
            b.putLong(176, doubleNear(rnd, -511 - split - 1 + rnd.nextInt(3)));
            b.putInt(192, floatNear(rnd, -63 + split));
            b.putInt(208, floatNear(rnd, -63 - split - 1 + rnd.nextInt(3)));
            if (x87) {
                b.putShort(2, (short) (6 << 11));
                b.put(4, (byte) 0xC0);
                long[] v = {0x3FFF - 8191 + split, Long.MIN_VALUE | (rnd.nextBoolean() ? rnd.nextInt(4) : -1L - rnd.nextInt(4))};
                long[] w = {0x3FFF - 8192 - split + rnd.nextInt(3), Long.MIN_VALUE | rnd.nextLong()};
                b.putLong(32, v[1]);
                b.putShort(40, (short) v[0]);
                b.putLong(48, w[1]);
                b.putShort(56, (short) w[0]);
            }
            long[] regs = new long[16];
            regs[3] = host.dataAddress() + 0x1000;
            regs[4] = host.dataAddress() + 0x3800;
            CpuSnapshot in = new CpuSnapshot(regs, 0x202, new byte[NativeCpu.DATA_SIZE], b.array());
            String d = SimdDifferentialTest.compare(host, emu, code, in, asm);
            if (!d.isEmpty()) {
                failures.add(d);
            }
        }
        return String.join("\n", failures);
    }

    @net.jqwik.api.Example
    void simdResultsAtTheEdgeOfTheNormalRangeMatchTheHost() {
        Random rnd = new Random(21);
        for (String asm : new String[] {"mulsd xmm0, xmm1", "mulss xmm2, xmm3", "mulpd xmm0, xmm1", "mulps xmm2, xmm3",
            "divsd xmm0, xmm1", "divss xmm2, xmm3", "cvtsd2ss xmm2, xmm0", "subsd xmm0, xmm1", "addps xmm2, xmm3"}) {
            emu.compileThreshold(0);
            assertEquals("", compare(asm, rnd, 1500, false));
        }
    }

    @net.jqwik.api.Example
    void x87ResultsAtTheEdgeOfTheNormalRangeMatchTheHost() {
        Random rnd = new Random(22);
        for (String asm : new String[] {"fmul st, st(1)", "fdiv st, st(1)", "fsqrt", "fst qword ptr [rbx]",
            "fst dword ptr [rbx]", "fld qword ptr [rbx]; fmul st, st(0)", "fscale"}) {
            emu.compileThreshold(0);
            assertEquals("", compare(asm, rnd, 1500, true));
        }
    }
}

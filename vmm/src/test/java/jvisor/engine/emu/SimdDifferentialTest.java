package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * MMX, SSE and SSE2 against the host processor: every form of {@link SimdForms} from random
 * register, XMM, MMX, MXCSR and memory states rich in special values (NaNs, denormals,
 * infinities, integer boundaries), under every rounding mode with DAZ and FTZ on and off. XMM
 * registers, MXCSR flags, the x87 state MMX changes, general registers, flags and memory must
 * all come out exactly as on the host.
 */
class SimdDifferentialTest {
    private static NativeCpu host;
    private static EmuOracleRunner emu;
    private static InstructionPool pool;
    private static final AtomicLong CASES = new AtomicLong();

    @BeforeContainer
    static void setUp() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeCpu.available(), "the host is not an x86-64 Linux");
        host = new NativeCpu();
        emu = new EmuOracleRunner(host);
        pool = new InstructionPool(SimdForms.all(), host.dataAddress(), 4, 11);
    }

    @AfterContainer
    static void tearDown() {
        System.out.printf("simd differential: %d random cases%n", CASES.get());
        if (emu != null) {
            emu.close();
        }
    }

    static CpuSnapshot randomState(Random rnd, boolean x87) {
        CpuSnapshot base = HostDifferentialTest.randomState(host, rnd, rnd.nextLong());
        return new CpuSnapshot(base.regs(), base.rflags(), FpuStates.memory(rnd, NativeCpu.DATA_SIZE),
                FpuStates.image(rnd, x87));
    }

    static String compare(NativeCpu native_, EmuOracleRunner emulator, byte[] code, CpuSnapshot in, String what) {
        CpuSnapshot expected = native_.run(code, in);
        CpuSnapshot actual;
        try {
            actual = emulator.run(code, in);
        } catch (IllegalStateException e) {
            return what + ": " + e.getMessage();
        }
        String d = expected.diff(actual);
        return d.isEmpty() ? "" : what + "\n" + d + "inputs: " + inputs(what, in) + "\n";
    }

    private static final Pattern XMM = Pattern.compile("xmm(\\d+)");
    private static final Pattern MM = Pattern.compile("\\bmm(\\d)");
    private static final Pattern MEM = Pattern.compile("\\[rbx \\+ 0x([0-9a-f]+)]");

    /** The operands a failing form read, for the failure message. */
    static String inputs(String text, CpuSnapshot in) {
        ByteBuffer f = ByteBuffer.wrap(in.fpuOrDefault()).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer m = ByteBuffer.wrap(in.memory()).order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder sb = new StringBuilder(String.format("mxcsr=%x fcw=%x fsw=%x ftw=%x", f.getInt(24),
                f.getShort(0), f.getShort(2), f.get(4)));
        for (Matcher x = XMM.matcher(text); x.find(); ) {
            int n = Integer.parseInt(x.group(1));
            sb.append(String.format(" xmm%d=%016x_%016x", n, f.getLong(168 + 16 * n), f.getLong(160 + 16 * n)));
        }
        for (Matcher x = MM.matcher(text); x.find(); ) {
            int n = Integer.parseInt(x.group(1));
            sb.append(String.format(" mm%d=%016x", n, f.getLong(32 + 16 * ((n - ((f.getShort(2) >> 11) & 7)) & 7))));
        }
        for (Matcher x = MEM.matcher(text); x.find(); ) {
            int at = InstructionPool.RBX_OFFSET + Integer.parseInt(x.group(1), 16);
            sb.append(String.format(" [+%x]=%016x_%016x", at, m.getLong(at + 8), m.getLong(at)));
        }
        for (int i = 0; i < 8; i++) {
            if (text.contains("st(" + i + ")") || (i < 2 && text.startsWith("f"))) {
                sb.append(String.format(" st%d=%04x_%016x", i, f.getShort(40 + 16 * i), f.getLong(32 + 16 * i)));
            }
        }
        return sb.toString();
    }

    @net.jqwik.api.Example
    void everySimdFormMatchesTheHost() {
        emu.compileThreshold(0);
        Random rnd = new Random(5);
        FormCoverage coverage = new FormCoverage();
        Map<Integer, String> failures = new TreeMap<>();
        int cases = 0;
        for (InstructionPool.Entry e : pool.entries) {
            for (int k = 0; k < 12 && !failures.containsKey(e.template()); k++) {
                String d = compare(host, emu, e.bytes(), randomState(rnd, k % 3 == 0), e.text());
                cases++;
                if (!d.isEmpty()) {
                    failures.put(e.template(), d);
                }
            }
            coverage.add(emu.machine().processor(), host.snippetAddress(), e.bytes().length);
        }
        System.out.printf("simd differential: %d templates, %d instances, %d cases, %d opcode/size/operand forms%n",
                pool.templates.size(), pool.entries.size(), cases, coverage.count());
        assertEquals("", String.join("\n", failures.values()), failures.size() + " templates differ");
        assertTrue(coverage.count() > 300, "forms covered: " + coverage.count());
    }

    /** The same forms through tier 1: every block is compiled to bytecode before it runs. */
    @net.jqwik.api.Example
    void everySimdFormMatchesTheHostWhenCompiled() {
        emu.compileThreshold(1);
        Random rnd = new Random(6);
        Map<Integer, String> failures = new TreeMap<>();
        for (InstructionPool.Entry e : pool.entries) {
            if (!failures.containsKey(e.template())) {
                String d = compare(host, emu, e.bytes(), randomState(rnd, rnd.nextBoolean()), e.text());
                if (!d.isEmpty()) {
                    failures.put(e.template(), d);
                }
            }
        }
        assertEquals("", String.join("\n", failures.values()), failures.size() + " templates differ when compiled");
    }

    @Property(tries = 2000)
    void randomOperandsMatchTheHost(@ForAll @IntRange(min = 0, max = 1_000_000) int index, @ForAll long seed) {
        InstructionPool.Entry e = pool.entries.get(index % pool.entries.size());
        CASES.incrementAndGet();
        Random rnd = new Random(seed);
        emu.compileThreshold((seed & 1) == 0 ? 0 : 1);
        assertEquals("", compare(host, emu, e.bytes(), randomState(rnd, rnd.nextBoolean()), e.text()));
    }

    @Provide
    Arbitrary<List<Integer>> streams() {
        return Arbitraries.integers().between(0, pool.entries.size() - 1).list().ofMinSize(2).ofMaxSize(8);
    }

    /** Sequences of forms, so values flow from one instruction into the next (MMX into x87 state too). */
    @Property(tries = 1500)
    void randomStreamsMatchTheHost(@ForAll("streams") List<Integer> stream, @ForAll long seed) {
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        StringBuilder text = new StringBuilder();
        for (int index : stream) {
            InstructionPool.Entry e = pool.entries.get(index);
            code.writeBytes(e.bytes());
            text.append(e.text()).append(" | ");
        }
        if (code.size() > NativeCpu.SNIPPET_MAX - 8) {
            return;
        }
        CASES.incrementAndGet();
        Random rnd = new Random(seed);
        emu.compileThreshold((seed & 1) == 0 ? 0 : 1);
        assertEquals("", compare(host, emu, code.toByteArray(), randomState(rnd, rnd.nextBoolean()), text.toString()));
    }
}

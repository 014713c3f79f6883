package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import jvisor.engine.emu.region.RegionCompiler;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The host processor is the oracle: every instruction form of {@link InstructionForms}, and
 * random streams of them, run natively and in the emulator from the same random registers, flags
 * and memory; registers, the arithmetic flags, DF and the data area must come out the same
 * (on a host other than AMD's, where the architecture defines them: {@link HostComparison}).
 */
class HostDifferentialTest {
    private static NativeCpu host;
    private static EmuOracleRunner emu;
    private static InstructionPool pool;
    private static final AtomicLong CASES = new AtomicLong();
    private static final AtomicLong CUT = new AtomicLong();

    @BeforeContainer
    static void setUp() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeCpu.available(), "the host is not an x86-64 Linux");
        host = new NativeCpu();
        emu = new EmuOracleRunner(host);
        pool = new InstructionPool(host.dataAddress(), 6, 42);
    }

    @AfterContainer
    static void tearDown() {
        System.out.printf("host differential: %d random stream cases, %d of them compared only in part"
                + " (an undefined flag read or an undefined result; host %s)%n", CASES.get(), CUT.get(), HostVendor.id());
        if (emu != null) {
            emu.close();
        }
    }

    static CpuSnapshot randomState(Random rnd, long flags) {
        return randomState(host, rnd, flags);
    }

    static CpuSnapshot randomState(NativeCpu host, Random rnd, long flags) {
        long[] regs = new long[16];
        for (int i = 0; i < 16; i++) {
            regs[i] = switch (rnd.nextInt(6)) {
                case 0 -> rnd.nextInt(256);
                case 1 -> -rnd.nextInt(256);
                case 2 -> rnd.nextInt();
                default -> rnd.nextLong();
            };
        }
        regs[3] = host.dataAddress() + InstructionPool.RBX_OFFSET;
        regs[4] = host.dataAddress() + InstructionPool.RSP_OFFSET;
        byte[] memory = new byte[NativeCpu.DATA_SIZE];
        rnd.nextBytes(memory);
        return new CpuSnapshot(regs, 0x202 | (flags & 0xCD5), memory);
    }

    /** Runs {@code entries} back to back on both sides and compares what this host defines of them. */
    private static HostComparison compare(List<InstructionPool.Entry> entries, CpuSnapshot in, String what) {
        HostComparison c = HostComparison.of(entries.stream().map(InstructionPool.Entry::text).toList(), in,
                host.dataAddress());
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        entries.subList(0, c.units()).forEach(e -> code.writeBytes(e.bytes()));
        if (code.size() == 0) {
            return c;
        }
        CpuSnapshot expected = host.run(code.toByteArray(), in);
        CpuSnapshot actual;
        try {
            actual = emu.run(code.toByteArray(), in);
        } catch (IllegalStateException e) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        }
        assertEquals("", c.diff(expected, actual), what + c + " (host vs emu)");
        return c;
    }

    @net.jqwik.api.Example
    void everyFormMatchesTheHost() {
        emu.compileThreshold(0);
        Random rnd = new Random(7);
        FormCoverage coverage = new FormCoverage();
        java.util.Map<Integer, String> failures = new java.util.TreeMap<>();
        for (InstructionPool.Entry e : pool.entries) {
            for (int k = 0; k < 4 && !failures.containsKey(e.template()); k++) {
                try {
                    compare(List.of(e), randomState(rnd, rnd.nextLong()), e.text());
                } catch (AssertionError failure) {
                    failures.put(e.template(), failure.getMessage());
                }
            }
            coverage.add(emu.machine().processor(), host.snippetAddress(), e.bytes().length);
        }
        assertEquals("", String.join("\n", failures.values()), failures.size() + " templates differ");
        System.out.printf("host differential: %d templates, %d assembled instances, %d opcode/size/operand forms%n",
                pool.templates.size(), pool.entries.size(), coverage.count());
        assertTrue(coverage.count() > 500, "forms covered: " + coverage.count());
    }

    /**
     * The same forms through tier 1: every block is compiled to bytecode before it runs, once
     * with the registers in the region's locals and once read and written in the processor's
     * array ({@link RegionCompiler#keepRatio}).
     */
    @net.jqwik.api.Example
    void everyFormMatchesTheHostWhenCompiled() {
        java.util.Map<Integer, String> failures = new java.util.TreeMap<>();
        for (int ratio : new int[] {-1, Integer.MAX_VALUE}) {
            int before = RegionCompiler.keepRatio(ratio);
            try {
                emu.compileThreshold(1);
                compareEveryForm(new Random(11), failures, ratio < 0 ? " (registers in locals)" : " (registers in the array)");
            } finally {
                RegionCompiler.keepRatio(before);
            }
        }
        assertEquals("", String.join("\n", failures.values()), failures.size() + " templates differ when compiled");
    }

    /** The same forms in regions made for C2 (their own TLB lookups, RAM as a constant). */
    @net.jqwik.api.Example
    void everyFormMatchesTheHostWhenCompiledForC2() {
        emu.compileForC2();
        java.util.Map<Integer, String> failures = new java.util.TreeMap<>();
        compareEveryForm(new Random(13), failures, "");
        assertEquals("", String.join("\n", failures.values()), failures.size() + " templates differ when compiled for C2");
    }

    /** Runs one instance of each template not yet in {@code failures}, adding those that differ (with {@code form} after the difference). */
    private void compareEveryForm(Random rnd, java.util.Map<Integer, String> failures, String form) {
        for (InstructionPool.Entry e : pool.entries) {
            if (failures.containsKey(e.template())) {
                continue;
            }
            try {
                compare(List.of(e), randomState(rnd, rnd.nextLong()), e.text());
            } catch (AssertionError failure) {
                failures.put(e.template(), failure.getMessage() + form);
            }
        }
    }

    @Provide
    Arbitrary<List<Integer>> streams() {
        return Arbitraries.integers().between(0, pool.entries.size() - 1).list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 3000)
    void randomStreamsMatchTheHost(@ForAll("streams") List<Integer> stream, @ForAll long seed, @ForAll long flags) {
        List<InstructionPool.Entry> entries = stream.stream().map(pool.entries::get).toList();
        if (entries.stream().mapToInt(e -> e.bytes().length).sum() > NativeCpu.SNIPPET_MAX - 8) {
            return;
        }
        CASES.incrementAndGet();
        // Case 2 compiles with every register read and written in the processor's array.
        boolean inArray = (seed & 3) == 2;
        int before = inArray ? RegionCompiler.keepRatio(Integer.MAX_VALUE) : 0;
        try {
            switch ((int) (seed & 3)) {
                case 0, 1 -> emu.compileThreshold((int) (seed & 1));
                case 2 -> emu.compileThreshold(1);
                default -> emu.compileForC2();
            }
            String text = String.join(" | ", entries.stream().map(InstructionPool.Entry::text).toList());
            if (compare(entries, randomState(new Random(seed), flags), text).cut()) {
                CUT.incrementAndGet();
            }
        } finally {
            if (inArray) {
                RegionCompiler.keepRatio(before);
            }
        }
    }
}

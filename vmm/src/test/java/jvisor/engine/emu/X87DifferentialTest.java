package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The x87 instructions against the host processor: every form of {@link X87Forms} from random
 * register stacks rich in special values (NaNs, denormals, pseudo-denormals, unnormals,
 * infinities, empty registers), every precision and rounding control, and, for single
 * instructions, random exception masks, so unmasked responses (ES, the untouched destination,
 * the bias-adjusted over/underflow results, the pointers AMD saves only then) are compared too.
 */
class X87DifferentialTest {
    private static NativeCpu host;
    private static EmuOracleRunner emu;
    private static InstructionPool pool;
    private static InstructionPool singles;

    @BeforeContainer
    static void setUp() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeCpu.available(), "the host is not an x86-64 Linux");
        host = new NativeCpu();
        emu = new EmuOracleRunner(host);
        pool = new InstructionPool(X87Forms.all(), host.dataAddress(), 4, 13);
        singles = new InstructionPool(X87Forms.single(), host.dataAddress(), 2, 17);
    }

    @AfterContainer
    static void tearDown() {
        if (emu != null) {
            emu.close();
        }
    }

    static CpuSnapshot state(Random rnd, int masks) {
        CpuSnapshot base = HostDifferentialTest.randomState(host, rnd, rnd.nextLong());
        return new CpuSnapshot(base.regs(), base.rflags(), FpuStates.memory(rnd, NativeCpu.DATA_SIZE),
                FpuStates.image(rnd, true, masks));
    }

    private static String run(List<InstructionPool.Entry> entries, Random rnd, int runs, boolean unmasked) {
        Map<Integer, String> failures = new TreeMap<>();
        int cases = 0;
        for (InstructionPool.Entry e : entries) {
            for (int k = 0; k < runs && !failures.containsKey(e.template()); k++) {
                int masks = unmasked ? rnd.nextInt(0x40) : 0x3F;
                String d = SimdDifferentialTest.compare(host, emu, e.bytes(), state(rnd, masks), e.text());
                cases++;
                if (!d.isEmpty()) {
                    failures.put(e.template(), d);
                }
            }
        }
        System.out.printf("x87 differential: %d instances, %d cases%s%n", entries.size(), cases,
                unmasked ? " (random exception masks)" : "");
        return failures.isEmpty() ? "" : failures.size() + " templates differ\n" + String.join("\n", failures.values());
    }

    @net.jqwik.api.Example
    void everyX87FormMatchesTheHost() {
        emu.compileThreshold(0);
        assertEquals("", run(pool.entries, new Random(3), 16, false));
    }

    @net.jqwik.api.Example
    void unmaskedExceptionsMatchTheHost() {
        emu.compileThreshold(0);
        assertEquals("", run(singles.entries, new Random(4), 16, true));
    }

    /** The same forms through tier 1: every block is compiled to bytecode before it runs. */
    @net.jqwik.api.Example
    void everyX87FormMatchesTheHostWhenCompiled() {
        emu.compileThreshold(1);
        assertEquals("", run(pool.entries, new Random(5), 2, false));
        assertEquals("", run(singles.entries, new Random(6), 2, true));
    }

    @Property(tries = 1500)
    void randomOperandsMatchTheHost(@ForAll @IntRange(min = 0, max = 1_000_000) int index, @ForAll long seed) {
        InstructionPool.Entry e = singles.entries.get(index % singles.entries.size());
        Random rnd = new Random(seed);
        emu.compileThreshold((seed & 1) == 0 ? 0 : 1);
        assertEquals("", SimdDifferentialTest.compare(host, emu, e.bytes(), state(rnd, rnd.nextInt(0x40)), e.text()));
    }
}

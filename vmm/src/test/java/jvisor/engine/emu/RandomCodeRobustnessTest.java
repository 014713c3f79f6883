package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.concurrent.atomic.AtomicLong;
import jvisor.engine.ExitReason;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Whatever bytes a guest executes, in whatever mode, the engine answers with guest-visible
 * behaviour (exceptions, a triple fault, a halt) and never with a Java exception: random code
 * runs in 64-bit, 32-bit and real mode until it halts, shuts down or a watchdog kicks it.
 */
class RandomCodeRobustnessTest {
    private static final AtomicLong RUNS = new AtomicLong();

    @AfterContainer
    static void report() {
        System.out.printf("random code robustness: %d runs%n", RUNS.get());
    }

    @Provide
    Arbitrary<byte[]> code() {
        Arbitrary<Byte> interesting = Arbitraries.of((byte) 0x0F, (byte) 0x66, (byte) 0x67, (byte) 0xF2, (byte) 0xF3,
                (byte) 0xF0, (byte) 0x48, (byte) 0x41, (byte) 0xC4, (byte) 0xC5, (byte) 0x8E, (byte) 0xCF, (byte) 0xFF);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.bytes()),
                net.jqwik.api.Tuple.of(1, interesting)).array(byte[].class).ofMinSize(1).ofMaxSize(48);
    }

    @Property(tries = 300)
    void randomCodeNeverThrowsOutOfTheEngine(@ForAll("code") byte[] code, @ForAll("modes") int mode) {
        try (TestMachine m = new TestMachine(16L << 20)) {
            switch (mode) {
                case 64 -> {
                    m.catchExceptions64();
                    m.load(TestMachine.CODE, code);
                    m.longMode(TestMachine.CODE);
                }
                case 32 -> {
                    m.catchExceptions32();
                    m.load(TestMachine.CODE, code);
                    m.protected32(TestMachine.CODE);
                }
                default -> {
                    m.load(0x500, new byte[] {(byte) 0xFA, (byte) 0xF4});
                    for (int v = 0; v < 256; v++) {
                        m.ram.write32(v * 4L, 0x0000_0500);
                    }
                    m.load(0x8000, code);
                    m.realMode(0, 0x8000);
                }
            }
            Thread watchdog = Thread.ofPlatform().daemon().start(() -> {
                try {
                    Thread.sleep(30);
                    m.cpu.kick();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            ExitReason r = m.run();
            watchdog.interrupt();
            RUNS.incrementAndGet();
            assertNotEquals(ExitReason.INTERNAL_ERROR, r, m.cpu.describeExit());
        }
    }

    @Provide
    Arbitrary<Integer> modes() {
        return Arbitraries.of(16, 32, 64);
    }
}

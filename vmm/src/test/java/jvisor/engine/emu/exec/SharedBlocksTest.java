package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.EmuCpu;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.decode.Decoder;
import org.junit.jupiter.api.Test;

/**
 * The processors of one VM decode each piece of 64-bit code once: a processor takes the
 * instructions another decoded, into a block of its own, and only while they are what memory holds.
 */
class SharedBlocksTest {
    private static final String ADD = """
            mov eax, 1
            add eax, 2
            mov eax, 11
            vmcall
            """;

    /** Two processors of one machine in 64-bit mode at {@link TestMachine#CODE}, each with its own block cache over {@code shared}. */
    private record Two(TestMachine m, Cpu first, Cpu second, BlockCache firstCache, BlockCache secondCache) { }

    private static Two two(TestMachine m, SharedBlocks shared) {
        m.longMode(TestMachine.CODE);
        EmuCpu second = m.createCpu(1);
        second.setState(m.cpu.state());
        Cpu a = m.processor();
        Cpu b = second.processor();
        return new Two(m, a, b, new BlockCache(new Decoder(BaseOpcodes.maps()), a, shared),
                new BlockCache(new Decoder(BaseOpcodes.maps()), b, shared));
    }

    @Test
    void aProcessorTakesTheInstructionsAnotherDecodedIntoABlockOfItsOwn() {
        try (TestMachine m = new TestMachine(64L << 20, 2)) {
            m.load(TestMachine.CODE, Asm.code64(ADD));
            SharedBlocks shared = new SharedBlocks();
            Two t = two(m, shared);
            Block onFirst = t.firstCache().find(t.first());
            onFirst.heat = 7;
            Block onSecond = t.secondCache().find(t.second());
            assertNotSame(onFirst, onSecond, "run counts, links and translation checks stay per processor");
            assertSame(onFirst.insns, onSecond.insns, "decoded once");
            assertEquals(0, onSecond.heat);
            assertEquals(1, shared.size());
        }
    }

    @Test
    void codeWrittenSinceAnotherProcessorDecodedItIsDecodedAgain() {
        try (TestMachine m = new TestMachine(64L << 20, 2)) {
            m.load(TestMachine.CODE, Asm.code64(ADD));
            Two t = two(m, new SharedBlocks());
            Block onFirst = t.firstCache().find(t.first());
            // What a guest store into decoded code does (Mmu): the bytes change and the page's epoch moves.
            m.ram.write8(TestMachine.CODE + 1, 5);
            assertTrue(t.first().mmu.codePages().written(onFirst.host + 1, 1));
            Block onSecond = t.secondCache().find(t.second());
            assertNotSame(onFirst.insns, onSecond.insns);
            assertEquals(5, onSecond.insns[0].imm(), "mov eax, 5 as memory holds it now");
        }
    }

    @Test
    void codeTheVmmRewroteWithoutAnEpochMovingIsDecodedAgain() {
        try (TestMachine m = new TestMachine(64L << 20, 2)) {
            m.load(TestMachine.CODE, Asm.code64(ADD));
            Two t = two(m, new SharedBlocks());
            Block onFirst = t.firstCache().find(t.first());
            m.load(TestMachine.CODE + 1, new byte[] {9}); // a loader or a harness: no store through the MMU
            Block onSecond = t.secondCache().find(t.second());
            assertNotSame(onFirst.insns, onSecond.insns);
            assertEquals(9, onSecond.insns[0].imm());
        }
    }

    /**
     * A loop that ends once another processor rewrites its first instruction: {@code mov eax, 0}
     * becomes {@code mov eax, 1}.
     */
    private static final String SPIN = """
            1: mov eax, 0
            test eax, eax
            jz 1b
            mov eax, 11
            vmcall
            """;

    /** Rewrites SPIN's immediate, then runs SPIN itself, which must end at once: the new code, not the other's decoding. */
    private static final String PATCH_THEN_SPIN = """
            mov byte ptr [0x100001], 1
            mov rax, 0x100000
            jmp rax
            """;

    /** Each processor on a thread of its own, as the VMM runs them (a shared pool may have one thread). */
    private static CompletableFuture<ExitReason> runOnItsOwnThread(EmuCpu cpu) {
        CompletableFuture<ExitReason> exit = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> exit.complete(cpu.run()));
        return exit;
    }

    @Test
    void codeOneProcessorRewritesWhileTheOtherRunsItEndsTheOthersLoopAndIsNotTakenStale() throws Exception {
        for (int threshold : new int[] {0, 100}) {
            try (TestMachine m = new TestMachine(64L << 20, 2)) {
                m.load(TestMachine.CODE, Asm.code64(SPIN));
                m.load(TestMachine.CODE + 0x2000, Asm.code64(PATCH_THEN_SPIN));
                m.longMode(TestMachine.CODE);
                EmuCpu second = m.createCpu(1);
                second.setState(m.cpu.state());
                m.cpu.setCompileThreshold(threshold);
                second.setCompileThreshold(threshold);
                CompletableFuture<ExitReason> spinning = runOnItsOwnThread(m.cpu);
                while (m.cpu.retired() < 100_000 && !spinning.isDone()) {
                    Thread.sleep(5);
                }
                assertTrue(m.cpu.retired() >= 100_000, "the first processor spins on the code");
                second.processor().setRip(TestMachine.CODE + 0x2000);
                CompletableFuture<ExitReason> patching = runOnItsOwnThread(second);
                try {
                    assertEquals(ExitReason.HYPERCALL, patching.get(20, TimeUnit.SECONDS), second.describeExit());
                    assertEquals(ExitReason.HYPERCALL, spinning.get(20, TimeUnit.SECONDS), m.cpu.describeExit());
                } catch (TimeoutException e) {
                    m.cpu.kick();
                    second.kick();
                    throw new AssertionError("threshold " + threshold + ": a processor still runs the old code: first "
                            + (spinning.isDone() ? "done" : "running at " + Long.toHexString(m.processor().rip()))
                            + ", second " + (patching.isDone() ? "done" : "running at " + Long.toHexString(second.processor().rip())), e);
                }
                assertEquals(11, m.processor().reg(Cpu.RAX));
                assertEquals(11, second.processor().reg(Cpu.RAX));
            }
        }
    }
}

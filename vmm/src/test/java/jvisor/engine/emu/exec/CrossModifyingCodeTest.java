package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.EmuCpu;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * Code one processor rewrites while another runs it: the other leaves its decoded blocks and
 * compiled regions of the old code, and neither runs the old code again.
 */
class CrossModifyingCodeTest {
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

    /** Rewrites SPIN's immediate, then runs SPIN itself, which must end at once: the new code, not blocks or a region of the old. */
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
    void codeOneProcessorRewritesWhileTheOtherRunsItEndsTheOthersLoopInterpretedAndCompiled() throws Exception {
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
                assertEquals(threshold > 0, m.cpu.retiredInRegions() > 0, "in a compiled region from threshold " + threshold);
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

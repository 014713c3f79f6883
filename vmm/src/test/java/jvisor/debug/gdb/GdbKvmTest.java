package jvisor.debug.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jvisor.boot.EngineChoice;
import jvisor.engine.kvm.KvmDebugHosts;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Debian's gdb in batch mode against the calls guest on kvm: a breakpoint at a symbol (a debug
 * address register), steps (KVM_GUESTDBG_SINGLESTEP), a variable, the x87/SSE registers as KVM
 * holds them, one written and read back across a step, and a hardware watchpoint that stops
 * where the variable changes. Skipped without /dev/kvm or gdb.
 */
@Timeout(value = 900, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GdbKvmTest {
    private static final Path ELF = Path.of("target/guest-objects/64/calls.elf64");

    static void assumeKvm() {
        Path dev = Path.of("/dev/kvm");
        assumeTrue(Files.exists(dev), "no /dev/kvm on this host: gdb on kvm needs hardware virtualization");
        assumeTrue(Files.isReadable(dev) && Files.isWritable(dev), "/dev/kvm exists but this user cannot open it");
        assumeTrue(GdbBatchTest.gdbInstalled(), "gdb is not installed (Debian: apt-get install gdb)");
        assumeTrue(Files.exists(ELF), "the calls guest's ELF64 with debug information is not built");
    }

    /**
     * Debian's gdb in batch mode, tried again while the stub is not listening yet: on nested KVM
     * under QEMU TCG the VMM takes a minute or more to start, longer than GdbBatchTest waits.
     */
    static String gdb(int port, String... commands) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(400);
        while (true) {
            String out = GdbBatchTest.gdb(port, commands);
            if (!out.contains("Connection refused") || System.nanoTime() - deadline > 0) {
                return out;
            }
        }
    }

    /** The guest's end, or a failure that shows what gdb saw. */
    static GuestRun finish(CompletableFuture<GuestRun> run, String gdbOutput) throws Exception {
        try {
            return run.get(400, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the guest did not end; gdb said:\n" + gdbOutput, e);
        }
    }

    @Test
    void breaksStepsAndReadsVariablesAndTheFpuAsKvmHoldsThem() throws Exception {
        assumeKvm();
        String why = KvmDebugHosts.noInstructionBreakpoints();
        assumeTrue(why == null, why);
        int port = GdbTesting.freePort();
        CompletableFuture<GuestRun> run = GdbTesting.bootWaiting("calls", port, 1, EngineChoice.KVM);
        String out = gdb(port,
                "break leaf",
                "continue",
                "print answer",
                "next",
                "print answer",
                "stepi",
                "info registers rip",
                "print/x $fctrl",
                "set var $xmm7.v2_int64[0] = 0x1234567890",
                "set var $mxcsr = 0x1fa0",
                "stepi",
                "print/x $xmm7.v2_int64[0]",
                "print/x $mxcsr",
                "delete",
                "continue");
        GuestRun r = finish(run, out);
        assertTrue(out.contains("Breakpoint 1, leaf ("), out);
        assertTrue(out.contains("calls.c:12"), out);
        assertTrue(out.contains("$1 = 40"), out);
        assertTrue(out.contains("$2 = 41"), out);
        assertTrue(out.contains("$3 = 0x37f"), "FCW as KVM holds it, not zero: " + out);
        assertTrue(out.contains("$4 = 0x1234567890"), "xmm7 written with KVM_SET_FPU survives a step: " + out);
        assertTrue(out.contains("$5 = 0x1fa0"), "MXCSR written with KVM_SET_FPU survives a step: " + out);
        assertTrue(out.contains("exited with code 01"), out);
        assertEquals("answer=42 r=248\r\n", r.serial(), r.toString());
        assertEquals(1, r.status(), r.toString());
    }

    /** What needs no debug address register, so it runs on every KVM: steps and the FPU/SSE registers. */
    @Test
    void stepsFromTheFirstInstructionAndWritesTheSseRegisters() throws Exception {
        assumeKvm();
        int port = GdbTesting.freePort();
        CompletableFuture<GuestRun> run = GdbTesting.bootWaiting("calls", port, 1, EngineChoice.KVM);
        String out = gdb(port,
                "info registers rip",
                "stepi",
                "stepi",
                "info registers rip",
                "print/x $fctrl",
                "print/x $mxcsr",
                "set var $xmm2.v4_int32[1] = 0x5a5a5a5a",
                "set var $mxcsr = 0x1fa0",
                "stepi",
                "print/x $xmm2.v4_int32[1]",
                "print/x $mxcsr",
                "continue");
        GuestRun r = finish(run, out);
        assertTrue(out.contains("_start () at lib/boot64.S"), out);
        assertTrue(out.matches("(?s).*rip\\s+0x[0-9a-f]+\\s+0x[0-9a-f]+ <_start\\+\\d+>.*"), "two steps into _start: " + out);
        assertTrue(out.contains("$1 = 0x37f"), "FCW as KVM holds it, not zero: " + out);
        assertTrue(out.contains("$2 = 0x1f80"), "MXCSR after RESET, from KVM_GET_XSAVE: " + out);
        assertTrue(out.contains("$3 = 0x5a5a5a5a"), "xmm2 written with KVM_SET_XSAVE survives a step: " + out);
        assertTrue(out.contains("$4 = 0x1fa0"), "MXCSR written with KVM_SET_XSAVE survives a step: " + out);
        assertTrue(out.contains("exited with code 01"), out);
        assertEquals("answer=42 r=248\r\n", r.serial(), r.toString());
    }

    @Test
    void aHardwareWatchpointStopsWhereTheVariableChanges() throws Exception {
        assumeKvm();
        String why = KvmDebugHosts.noDataBreakpoints();
        assumeTrue(why == null, why);
        int port = GdbTesting.freePort();
        CompletableFuture<GuestRun> run = GdbTesting.bootWaiting("calls", port, 1, EngineChoice.KVM);
        String out = gdb(port,
                "break first",
                "continue",
                "watch answer",
                "continue",
                "continue",
                "print answer",
                "delete",
                "continue");
        GuestRun r = finish(run, out);
        assertTrue(out.contains("Hardware watchpoint 2: answer"), out);
        // leaf(1) from first() writes 41; leaf(0) writes 41 over 41, which gdb passes over (the value
        // did not change); leaf(1) from second() writes 42.
        assertTrue(out.matches("(?s).*Old value = 40\\s+New value = 41.*Old value = 41\\s+New value = 42.*"), out);
        assertTrue(out.contains("$1 = 42"), out);
        assertTrue(out.contains("exited with code 01"), out);
        assertEquals("answer=42 r=248\r\n", r.serial(), r.toString());
        assertEquals(1, r.status(), r.toString());
    }
}

package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import jvisor.engine.ExitReason;
import org.junit.jupiter.api.Test;

/**
 * The time-stamp counter on a hand-driven host clock (one tick per nanosecond), IA32_TSC_ADJUST's
 * bookkeeping (SDM vol. 3, 17.17.3), and what a guest sees of both through CPUID, RDMSR and WRMSR.
 */
class TscTest {
    private final AtomicLong host = new AtomicLong(7_000_000_000L);
    private final Tsc tsc = new Tsc(host::get);

    @Test
    void countsHostNanosecondsFromZero() {
        assertEquals(0, tsc.now());
        host.addAndGet(1_234_567);
        assertEquals(1_234_567, tsc.now());
        assertEquals(8_765_433, tsc.nanosUntil(10_000_000));
    }

    @Test
    void aWriteToTheTscIsAddedToTscAdjust() {
        host.addAndGet(1_000);
        tsc.set(50_000);
        assertEquals(50_000, tsc.now());
        assertEquals(49_000, tsc.adjust(), "the write moved the counter on by 49,000");
        host.addAndGet(10);
        tsc.set(0);
        assertEquals(49_000 - 50_010, tsc.adjust());
    }

    @Test
    void aWriteToTscAdjustMovesTheTscByTheChange() {
        host.addAndGet(1_000);
        tsc.setAdjust(-400);
        assertEquals(600, tsc.now());
        tsc.setAdjust(100);
        assertEquals(1_100, tsc.now());
        assertEquals(100, tsc.adjust());
        host.addAndGet(5);
        assertEquals(1_105, tsc.now(), "and keeps counting at the same rate");
    }

    @Test
    void aGuestSeesTscAdjustInCpuidAndThroughItsMsr() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    mov eax, 7
                    xor ecx, ecx
                    cpuid
                    mov r8, rbx
                    mov ecx, 0x3b
                    rdmsr
                    mov r9, rax
                    rdtsc
                    mov r10, rax
                    mov ecx, 0x3b
                    mov eax, 0
                    mov edx, 0x10
                    wrmsr
                    rdtsc
                    shl rdx, 32
                    or rax, rdx
                    sub rax, r10
                    mov r11, rax
                    mov ecx, 0x3b
                    rdmsr
                    mov r12, rdx
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertTrue((m.reg(8) & 2) != 0, "CPUID.(EAX=7,ECX=0):EBX bit 1, IA32_TSC_ADJUST");
            assertEquals(0, m.reg(9), "zero until written");
            assertTrue(m.reg(11) >= 0x10L << 32, "the write moved the TSC forward by 2^36");
            assertEquals(0x10, m.reg(12));
        }
    }
}

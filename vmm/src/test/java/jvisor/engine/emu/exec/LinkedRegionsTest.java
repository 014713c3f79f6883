package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Links between regions ({@link BlockCache#linked}): after a region leaves for code on another
 * page, the processor goes to the block that followed last time without a cache lookup. A link
 * must not outlive what made its target current: code written anywhere, a translation dropped
 * (INVLPG, a CR3 write), the mode; and the interrupt check stays between linked regions.
 */
class LinkedRegionsTest {
    /**
     * Calls to two other pages: f overwrites g's INC EBX in round 500 (and leaves its region
     * there), g's caller then takes its link to g as in every round before.
     */
    private static final String CALL_AND_PATCH = """
            xor ebx, ebx
            mov ecx, 1000
            lea rsi, [rip + g]
            1: call f
            call g
            dec ecx
            jnz 1b
            cli
            hlt
            .org 0x1000
            f: cmp ecx, 500
            jne 2f
            mov word ptr [rsi], 0x9090
            2: ret
            .org 0x2000
            g: inc ebx
            ret
            """;

    @Test
    void aLinkedRegionWhoseCodeIsOverwrittenRunsTheNewCode() {
        long interpreted = ebxAfter(CALL_AND_PATCH, 0);
        assertEquals(500, interpreted, "INC EBX ran until round 500 overwrote it");
        assertEquals(interpreted, ebxAfter(CALL_AND_PATCH, 1));
    }

    private static long ebxAfter(String source, int compileThreshold) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(compileThreshold);
            ExitReason r = m.run64(source);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return m.reg(Cpu.RBX);
        }
    }

    /** Linear page 0x4000_0000_0000 maps function A (add 1), then, from the guest, function B (add 100). */
    private static final long FUNCTION = 0x4000_0000_0000L;
    private static final long PAGE_A = 0x300000;
    private static final long PAGE_B = 0x301000;

    @Test
    void aLinkToCodeWhosePageIsRemappedFollowsInvlpg() {
        assertRemapFollowed("invlpg [rdi]");
    }

    @Test
    void aLinkToCodeWhosePageIsRemappedFollowsACr3Write() {
        assertRemapFollowed("mov rax, cr3\nmov cr3, rax");
    }

    private static void assertRemapFollowed(String flush) {
        long interpreted = remapped(flush, 0);
        assertEquals(500 + 500 * 100, interpreted, "500 calls before the remapping, 500 after");
        assertEquals(interpreted, remapped(flush, 1));
    }

    private static long remapped(String flush, int compileThreshold) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(compileThreshold);
            m.load(PAGE_A, Asm.code64("add ebx, 1\nret"));
            m.load(PAGE_B, Asm.code64("add ebx, 100\nret"));
            m.load(TestMachine.CODE, Asm.code64("""
                    xor ebx, ebx
                    mov ecx, 1000
                    movabs rdi, 0x400000000000
                    1: cmp ecx, 500
                    jne 2f
                    mov qword ptr [rsi], rdx
                    %s
                    2: call rdi
                    dec ecx
                    jnz 1b
                    cli
                    hlt
                    """.formatted(flush)));
            m.longMode(TestMachine.CODE);
            m.pages.map4k(FUNCTION, PAGE_A, PageTables.P | PageTables.RW);
            m.processor().setReg(Cpu.RSI, m.pages.leafAddress4k(FUNCTION));
            m.processor().setReg(Cpu.RDX, PAGE_B | PageTables.P | PageTables.RW);
            ExitReason r = m.run();
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return m.reg(Cpu.RBX);
        }
    }

    /**
     * The same IRETQ leaves its region for the same RIP 100 times in ring 0, then once in ring 3:
     * the block there lies on a supervisor page, so ring 3's fetch faults instead of following
     * the link made in ring 0.
     */
    @Test
    void aLinkMadeInRingZeroIsNotFollowedInRingThree() {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(1);
            m.catchExceptions64();
            m.ram.write64(TestMachine.TSS + 4, 0x60000);
            m.load(PAGE_A, Asm.code64("inc r12d\nret"));
            m.load(TestMachine.CODE, Asm.code64("""
                    xor r12d, r12d
                    xor r11d, r11d
                    mov ecx, 100
                    mov r8d, %d
                    mov r9d, %d
                    movabs r10, 0x400000000000
                    1: lea rax, [rip + 2f]
                    push rax
                    mov rdx, rsp
                    push r9
                    push rdx
                    pushfq
                    push r8
                    push r10
                    iretq
                    2: dec ecx
                    jnz 1b
                    test r11d, r11d
                    jnz 3f
                    mov r11d, 1
                    mov r8d, %d
                    mov r9d, %d
                    jmp 1b
                    3: cli
                    hlt
                    """.formatted(TestMachine.SEL_CODE64, TestMachine.SEL_DATA, TestMachine.SEL_USER_CODE64,
                    TestMachine.SEL_USER_DATA)));
            m.longMode(TestMachine.CODE);
            m.pages.map4k(FUNCTION, PAGE_A, PageTables.P | PageTables.RW);
            ExitReason r = m.run();
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(100, m.reg(12), "ring 0 called the function 100 times, ring 3 never");
            assertEquals(Vectors.PF, m.caught().vector());
            assertEquals(FUNCTION, m.caught().cr2());
            assertEquals(1 | 4 | 16, m.caught().errorCode(), "present, user, instruction fetch");
            assertEquals(FUNCTION, m.caught().rip());
        }
    }

    @Test
    void anInterruptEndsASpinThroughLinkedRegions() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(1);
            m.load(0x80000, Asm.code64("mov byte ptr [0x6000], 1\niretq"));
            m.gate64(0x50, 0x80000, 0, 0, false);
            m.load(TestMachine.CODE, Asm.code64("""
                    sti
                    1: call f
                    cmp byte ptr [0x6000], 0
                    je 1b
                    cli
                    hlt
                    .org 0x1000
                    f: inc rbx
                    ret
                    """));
            m.longMode(TestMachine.CODE);
            Thread raiser = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                m.apic.raise(0x50);
            });
            ExitReason r = m.run();
            raiser.join();
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(1, m.ram.read8(0x6000));
            assertTrue(m.reg(Cpu.RBX) > 100, "the loop went round through its links until the interrupt");
            assertTrue(m.cpu.retiredInRegions() > 0.5 * m.cpu.retired(),
                    m.cpu.retiredInRegions() + " of " + m.cpu.retired() + " in regions");
        }
    }

    /**
     * An interrupt raised while one region runs (by its OUT) is taken when that region leaves,
     * before the region or block its exit is linked to runs: the handler sees RBX as the round
     * that raised it left it. The same as when every block is interpreted.
     */
    @Test
    void anInterruptRaisedInARegionIsTakenBeforeTheLinkedRegionRuns() {
        for (int threshold : new int[] {0, 1}) {
            try (TestMachine m = new TestMachine()) {
                m.cpu.setCompileThreshold(threshold);
                m.io.afterPortWrite = port -> {
                    if (port == 0x80) {
                        m.apic.raise(0x50);
                    }
                };
                m.load(0x80000, Asm.code64("mov qword ptr [0x6000], rbx\niretq"));
                m.gate64(0x50, 0x80000, 0, 0, false);
                m.load(TestMachine.CODE, Asm.code64("""
                        xor ebx, ebx
                        sti
                        1: call f
                        inc rbx
                        cmp rbx, 1000
                        jne 1b
                        cli
                        hlt
                        .org 0x1000
                        f: cmp rbx, 700
                        jne 2f
                        out 0x80, al
                        2: ret
                        """));
                m.longMode(TestMachine.CODE);
                ExitReason r = m.run();
                assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
                assertEquals(1000, m.reg(Cpu.RBX));
                assertEquals(700, m.ram.read64(0x6000), "threshold " + threshold + ": taken before INC RBX ran again");
                assertEquals(List.of(0x50), m.apic.acknowledged);
            }
        }
    }
}

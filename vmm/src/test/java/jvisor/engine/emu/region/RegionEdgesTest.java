package jvisor.engine.emu.region;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.PageTables;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Vectors;
import org.junit.jupiter.api.Test;

/**
 * The edges of a compiled region: branches that leave it in the middle, faults in its second or
 * later block, handlers called from inside it, interrupts arriving while it loops. Each program
 * runs interpreted and with every block compiled into a region before it first runs (for C1 with
 * the registers in locals, in the processor's array and as the compiler chooses, and for C2),
 * and all runs must end in the same state with the same instruction count.
 */
class RegionEdgesTest {
    /** What a run leaves behind: registers, arithmetic flags, RIP, instructions, the data page. */
    private record Outcome(ExitReason exit, long[] regs, long flags, long rip, long retired, byte[] data) {
        void assertSameAs(Outcome o, String what) {
            assertEquals(o.exit, exit, what + ": exit");
            assertArrayEquals(o.regs, regs, what + ": registers " + Arrays.toString(regs));
            assertEquals(o.flags, flags, what + ": flags");
            assertEquals(o.rip, rip, what + ": RIP");
            assertEquals(o.retired, retired, what + ": instructions retired");
            assertArrayEquals(o.data, data, what + ": data page");
        }
    }

    private static Outcome run(String source, int threshold, boolean catching) {
        return run(source, threshold, false, catching);
    }

    private static Outcome run(String source, int threshold, boolean forC2, boolean catching) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(threshold);
            m.cpu.setCompileForC2(forC2);
            if (catching) {
                m.catchExceptions64();
            }
            ExitReason r = m.run64(source);
            // A region that failed to compile would leave the interpreter compared with itself.
            assertTrue(threshold == 0 || m.cpu.retiredInRegions() > 0, "no instruction ran in a compiled region");
            Cpu c = m.processor();
            long[] regs = new long[16];
            for (int i = 0; i < 16; i++) {
                regs[i] = c.reg(i);
            }
            return new Outcome(r, regs, c.rflags() & 0x8D5, c.rip(), m.cpu.retired(),
                    m.ram.read(TestMachine.DATA, 0x1000));
        }
    }

    /**
     * Runs {@code source} interpreted, compiled in regions for C1 and in regions for C2; returns
     * the first compiled outcome after comparing all three.
     */
    private static Outcome sameBothWays(String source, boolean catching) {
        Outcome interpreted = run(source, 0, catching);
        Outcome compiled = run(source, 1, catching);
        compiled.assertSameAs(interpreted, "compiled against interpreted");
        withKeepRatio(-1, () -> run(source, 1, catching))
                .assertSameAs(interpreted, "compiled with the registers in locals against interpreted");
        withKeepRatio(Integer.MAX_VALUE, () -> run(source, 1, catching))
                .assertSameAs(interpreted, "compiled with the registers in the array against interpreted");
        run(source, 1, true, catching).assertSameAs(interpreted, "compiled for C2 against interpreted");
        return compiled;
    }

    private static Outcome withKeepRatio(int ratio, java.util.function.Supplier<Outcome> run) {
        int before = RegionCompiler.keepRatio(ratio);
        try {
            return run.get();
        } finally {
            RegionCompiler.keepRatio(before);
        }
    }

    @Test
    void conditionalSideExitsInTheMiddleOfALoopLeaveWithExactState() {
        // The loop's body has two early exits to code outside the region's page.
        Outcome o = sameBothWays("""
                mov ecx, 1000
                xor eax, eax
                xor ebx, ebx
                1: add eax, ecx
                cmp eax, 300000
                ja 3f
                test ecx, 7
                jz 2f
                inc ebx
                2: dec ecx
                jnz 1b
                jmp 4f
                .balign 4096
                3: mov edx, 0x33
                4: cli
                hlt
                """, false);
        assertEquals(0x33, o.regs()[Cpu.RDX], "left through the far exit");
    }

    /**
     * Reads, writes and read-modify-writes of 2, 4 and 8 bytes that walk off the end of a page
     * whose translation the previous iterations put in the TLB, into a linear page mapped
     * elsewhere in physical memory: the TLB's one compare (the tag against the page of the
     * access's last byte) must miss for every access that crosses, so that its bytes past the
     * page reach the second page's frame, not the first's physical neighbour.
     */
    @Test
    void accessesWalkingOffTheEndOfACachedPageReachTheNextLinearPage() {
        String source = """
                movabs rsi, 0x400000000ff0
                mov ecx, 16
                mov rbx, 0x0123456789abcdef
                1: mov qword ptr [rsi], rbx
                add dword ptr [rsi + 1], ecx
                xor word ptr [rsi + 3], cx
                not qword ptr [rsi + 2]
                movzx eax, word ptr [rsi + 6]
                add rbx, rax
                mov eax, dword ptr [rsi + 2]
                add rbx, rax
                add rbx, qword ptr [rsi + 1]
                imul rbx, rbx, 31
                inc rsi
                dec ecx
                jnz 1b
                cli
                hlt
                """;
        long[] results = new long[3];
        for (int run = 0; run < 3; run++) {
            try (TestMachine m = new TestMachine()) {
                m.cpu.setCompileThreshold(run == 0 ? 0 : 1);
                m.cpu.setCompileForC2(run == 2);
                m.pages.map4k(0x4000_0000_0000L, 0x305000, PageTables.P | PageTables.RW);
                m.pages.map4k(0x4000_0000_1000L, 0x302000, PageTables.P | PageTables.RW);
                ExitReason r = m.run64(source);
                assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
                assertEquals(0, m.ram.read64(0x306000), "run " + run + ": nothing lands past the first frame");
                assertTrue(m.ram.read64(0x302000) != 0, "run " + run + ": the bytes past the page reach the second frame");
                results[run] = m.processor().reg(Cpu.RBX);
            }
        }
        assertEquals(results[0], results[1], "compiled for C1 against interpreted");
        assertEquals(results[0], results[2], "compiled for C2 against interpreted");
    }

    @Test
    void indirectBranchesAndReturnsLeaveTheRegionForTheirRuntimeTarget() {
        Outcome o = sameBothWays("""
                mov esi, 0x200000
                lea rax, [rip + f0]
                mov [rsi], rax
                lea rax, [rip + f1]
                mov [rsi + 8], rax
                lea rax, [rip + f2]
                mov [rsi + 16], rax
                lea rax, [rip + f3]
                mov [rsi + 24], rax
                xor eax, eax
                mov ecx, 300
                1: mov rdx, rcx
                and edx, 3
                call qword ptr [rsi + rdx * 8]
                dec ecx
                jnz 1b
                cli
                hlt
                f0: add eax, 1
                ret
                f1: add eax, 10
                ret
                f2: add eax, 100
                ret
                f3: lea rdi, [rip + f0]
                jmp rdi
                """, false);
        assertEquals(75 * (1 + 10 + 100 + 1), o.regs()[Cpu.RAX]);
    }

    @Test
    void aPageFaultInALaterBlockOfARegionIsPrecise() {
        for (boolean forC2 : new boolean[] {false, true}) {
            pageFaultInALaterBlock(forC2);
        }
    }

    private static void pageFaultInALaterBlock(boolean forC2) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(1);
            m.cpu.setCompileForC2(forC2);
            m.catchExceptions64();
            m.pages.map4k(0x4000_0000_0000L, 0x300000, PageTables.P | PageTables.RW);
            ExitReason r = m.run64("""
                    movabs rdi, 0x400000000ff0
                    xor r8d, r8d
                    1: add r8, 1
                    test r8, 1
                    jz 2f
                    mov r9, r8
                    2: mov qword ptr [rdi], r8
                    add rdi, 8
                    jmp 1b
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(Vectors.PF, m.caught().vector());
            assertEquals(0x4000_0000_1000L, m.caught().cr2());
            assertEquals(3, m.reg(8), "the third round's ADD ran before its store faulted");
            assertEquals(3, m.reg(9), "so did its MOV in the block before the store's");
            assertEquals(0x4000_0000_1000L, m.reg(Cpu.RDI), "the ADD after the store did not run");
        }
    }

    /**
     * A rotate's CF and OF are left out of a region only when an instruction that cannot fault
     * overwrites them first: here a load between the rotate and the XOR faults, and the flags the
     * exception finds (the handler keeps them) must be the rotate's.
     */
    @Test
    void aFaultBetweenARotateAndTheInstructionOverwritingItsFlagsSeesTheRotatesFlags() {
        Outcome o = sameBothWays("""
                mov edi, 0x3fffff00
                1: xor ecx, ecx
                mov esi, 0xf8000000
                rol esi, 5
                mov rax, qword ptr [rdi]
                xor eax, esi
                lea rdi, [rdi + 8]
                jmp 1b
                """, true);
        assertEquals(0x4000_0000L, o.regs()[Cpu.RDI], "the load faulted at the first unmapped address");
        assertEquals(Flags.CF | Flags.OF, o.flags() & (Flags.CF | Flags.OF), "ROL's CF and OF, not XOR's");
    }

    /** The same for an ADD whose six flags a later XOR overwrites, with a faulting load between. */
    @Test
    void aFaultBetweenAnAddAndTheInstructionOverwritingItsFlagsSeesTheAddsFlags() {
        Outcome o = sameBothWays("""
                mov edi, 0x3fffff00
                1: xor ecx, ecx
                mov esi, 0x80000000
                add esi, esi
                mov rax, qword ptr [rdi]
                xor eax, esi
                lea rdi, [rdi + 8]
                jmp 1b
                """, true);
        assertEquals(0x4000_0000L, o.regs()[Cpu.RDI], "the load faulted at the first unmapped address");
        assertEquals(Flags.CF | Flags.OF | Flags.ZF | Flags.PF, o.flags() & (Flags.CF | Flags.OF | Flags.ZF | Flags.PF),
                "ADD's flags, not XOR's");
    }

    /**
     * An ADD, a rotate (CF and OF only), a faulting load, then the XOR that overwrites all six:
     * a rotate on the way does not let the ADD's flags go when a fault could see them; the
     * exception finds the ADD's ZF, SF and PF with the rotate's CF and OF.
     */
    @Test
    void aFaultPastARotateSeesTheFlagsOfTheAddBeforeIt() {
        Outcome o = sameBothWays("""
                mov edi, 0x3fffff00
                1: xor ecx, ecx
                mov esi, 0x80000001
                add esi, esi
                mov edx, 0xf8000000
                rol edx, 5
                mov rax, qword ptr [rdi]
                xor eax, esi
                lea rdi, [rdi + 8]
                jmp 1b
                """, true);
        assertEquals(0x4000_0000L, o.regs()[Cpu.RDI], "the load faulted at the first unmapped address");
        assertEquals(Flags.CF, o.flags() & (Flags.CF | Flags.ZF | Flags.PF | Flags.SF),
                "ROL's CF with ADD's ZF, PF and SF, not those of XOR ECX, ECX");
    }

    /**
     * IMUL, like a rotate, writes CF and OF only: an ADD, an IMUL that overflows, a faulting
     * load, then the XOR that overwrites all six. The exception finds the ADD's ZF, SF and PF
     * with the IMUL's CF and OF, so neither may be left out.
     */
    @Test
    void aFaultPastAnImulSeesTheImulsCarryWithTheFlagsOfTheAddBeforeIt() {
        Outcome o = sameBothWays("""
                mov edi, 0x3fffff00
                1: xor ecx, ecx
                mov esi, 1
                add esi, esi
                mov r10d, 0x10000
                imul r10d, r10d
                mov rax, qword ptr [rdi]
                xor eax, esi
                lea rdi, [rdi + 8]
                jmp 1b
                """, true);
        assertEquals(0x4000_0000L, o.regs()[Cpu.RDI], "the load faulted at the first unmapped address");
        assertEquals(0, o.regs()[10], "2^32 truncated to 32 bits");
        assertEquals(Flags.CF | Flags.OF, o.flags() & (Flags.CF | Flags.OF | Flags.ZF | Flags.PF | Flags.SF),
                "IMUL's CF and OF (ADD's are clear) with ADD's ZF, PF and SF, not those of XOR ECX, ECX");
    }

    /**
     * The multi-precision multiply's shape: IMULs whose CF and OF the next IMUL or a shift
     * overwrites with nothing on the way are computed without them; the last IMUL's OF, read
     * by SETO, and an IMUL's product at each width stay exact.
     */
    @Test
    void imulsWhoseFlagsNothingSeesKeepTheirProductsAndTheLastOnesFlags() {
        Outcome o = sameBothWays("""
                mov ecx, 100
                mov r8, 0x123456789abcdef1
                mov r9, 0x0fedcba987654321
                1: mov rax, r8
                imul rax, r9
                mov r10, r9
                imul r10d, r8d
                imul r11w, r9w, -3
                imul r12, r8, 0x7fffffff
                shr r8, 3
                add r8, rax
                mov rdx, r9
                imul rdx, r9
                seto bl
                add r9, rdx
                dec ecx
                jnz 1b
                hlt
                """, false);
        assertEquals(0, o.regs()[Cpu.RCX]);
    }

    /**
     * ADD, SUB, AND, OR and XOR of 32 and 64 bits between registers and with immediates, each
     * overwritten by the next with nothing on the way that could see the flags: a region computes
     * them without the operands' locals; the results (a 32-bit one clears the upper half) and the
     * last one's flags, which ADC and SETcc read, stay exact.
     */
    @Test
    void aluOperationsWhoseFlagsNothingSeesKeepTheirResults() {
        Outcome o = sameBothWays("""
                mov ecx, 200
                mov r8, 0x0123456789abcdef
                mov r9, 0xfedcba9876543210
                1: add r8, r9
                xor r10d, r8d
                sub r11, r8
                and r12d, 0x7fff00ff
                or r13, -16
                add r9d, 0x9e3779b9
                sub r14d, r9d
                xor r15, r14
                adc r8, r9
                setc bl
                add rbx, rbx
                dec ecx
                jnz 1b
                hlt
                """, false);
        assertEquals(0, o.regs()[Cpu.RCX]);
    }

    /**
     * CRC-32's loop: a shift whose flags an XOR from memory overwrites, with a load between; here
     * the XOR's own load faults, before it writes its flags, and the exception finds the shift's.
     */
    @Test
    void aFaultInTheLoadOfTheInstructionOverwritingAShiftsFlagsSeesTheShiftsFlags() {
        Outcome o = sameBothWays("""
                mov edi, 0x3fffff00
                1: xor ecx, ecx
                mov esi, 0x80000001
                shr esi, 1
                movzx eax, byte ptr [rdi]
                xor esi, dword ptr [rdi + 8]
                lea rdi, [rdi + 8]
                jmp 1b
                """, true);
        assertEquals(0x3fff_fff8L, o.regs()[Cpu.RDI], "the XOR's load faulted at the first unmapped address");
        assertEquals(0x4000_0000L, o.regs()[Cpu.RSI], "the SHR ran");
        assertEquals(Flags.CF | Flags.OF | Flags.PF, o.flags() & (Flags.CF | Flags.OF | Flags.PF | Flags.ZF | Flags.SF),
                "SHR's flags, not XOR's");
    }

    /** An ADD's flags when a store between it and the XOR that overwrites them faults. */
    @Test
    void aFaultingStoreBetweenAnAddAndTheInstructionOverwritingItsFlagsSeesTheAddsFlags() {
        Outcome o = sameBothWays("""
                mov edi, 0x3fffff00
                1: xor ecx, ecx
                mov esi, 0x80000000
                add esi, esi
                mov qword ptr [rdi], rsi
                xor eax, esi
                lea rdi, [rdi + 8]
                jmp 1b
                """, true);
        assertEquals(0x4000_0000L, o.regs()[Cpu.RDI], "the store faulted at the first unmapped address");
        assertEquals(Flags.CF | Flags.OF | Flags.ZF | Flags.PF, o.flags() & (Flags.CF | Flags.OF | Flags.ZF | Flags.PF),
                "ADD's flags, not XOR's");
    }

    /**
     * A CMP with a memory operand overwrites an ADD's flags, but its load faults first: the
     * exception finds the ADD's flags, so the CMP must not have touched the ADD's operands yet.
     */
    @Test
    void aFaultInTheLoadOfACompareOverwritingAnAddsFlagsSeesTheAddsFlags() {
        Outcome o = sameBothWays("""
                mov edi, 0x3fffff00
                1: xor ecx, ecx
                mov eax, 7
                mov esi, 0x80000000
                add esi, esi
                cmp eax, dword ptr [rdi]
                lea rdi, [rdi + 8]
                jmp 1b
                """, true);
        assertEquals(0x4000_0000L, o.regs()[Cpu.RDI], "the compare faulted at the first unmapped address");
        assertEquals(Flags.CF | Flags.OF | Flags.ZF | Flags.PF, o.flags() & (Flags.CF | Flags.OF | Flags.ZF | Flags.PF),
                "ADD's flags, not CMP's");
    }

    /** SHA-256's shape: an ADD from memory whose flags a later XOR overwrites, with a faulting load between. */
    @Test
    void aFaultAfterAnAddFromMemorySeesTheAddsFlags() {
        Outcome o = sameBothWays("""
                mov dword ptr [0x200000], 0x80000000
                mov edi, 0x3fffff00
                1: xor ecx, ecx
                mov esi, 0x80000000
                add esi, dword ptr [0x200000]
                mov rax, qword ptr [rdi]
                xor eax, esi
                lea rdi, [rdi + 8]
                jmp 1b
                """, true);
        assertEquals(0x4000_0000L, o.regs()[Cpu.RDI], "the load faulted at the first unmapped address");
        assertEquals(Flags.CF | Flags.OF | Flags.ZF | Flags.PF, o.flags() & (Flags.CF | Flags.OF | Flags.ZF | Flags.PF),
                "ADD's flags, not XOR's");
    }

    /**
     * A store between an ADD and the XOR that would overwrite its flags turns that XOR into an
     * ADC: the region leaves after the store, and the ADC, run anew, must find the ADD's carry.
     */
    @Test
    void aStoreThatTurnsTheOverwritingInstructionIntoAReaderLeavesTheFlagsItNeeds() {
        Outcome o = sameBothWays("""
                lea rsi, [rip + patch]
                mov ecx, 3
                xor ebx, ebx
                1: mov edx, 0x80000000
                xor eax, eax
                add edx, edx
                mov byte ptr [rsi], 0x11
                patch: xor eax, edx
                add ebx, eax
                dec ecx
                jnz 1b
                cli
                hlt
                """, false);
        assertEquals(3, o.regs()[Cpu.RBX], "each round's ADC added the ADD's carry");
    }

    /**
     * A CMP whose flags only the block's JNE reads, and which both successors overwrite, leaves
     * them out (FlagLiveness.deadAcrossBlocks): the load at the start of the next block faults
     * before its ADD overwrites them, and the exception must find the CMP's flags, computed in
     * the block before.
     */
    @Test
    void aFaultInTheBlockAfterACompareSeesTheComparesFlags() {
        assertCompareFlagsAtTheFault("");
    }

    /**
     * As above, with a NOP and rotates between the load and the ADD: the CMP's flags are still left
     * out (a fault before the first rotate finds them settled), and the load's fault must find them.
     */
    @Test
    void aFaultBeforeRotatesInTheBlockAfterACompareSeesTheComparesFlags() {
        assertCompareFlagsAtTheFault("""
                nop dword ptr [rax]
                rol edx, 3
                ror ebx, 2
                """);
    }

    /**
     * A loop whose CMP and JNE lead to a block that loads (until the load faults), runs
     * {@code between} and overwrites the flags with an ADD: the fault must find the CMP's flags.
     */
    private static void assertCompareFlagsAtTheFault(String between) {
        Outcome o = sameBothWays("""
                mov edi, 0x3fffff00
                mov ecx, 0x7fffffff
                1: xor ebx, ebx
                cmp ecx, 0x80000000
                jne 2f
                xor edx, edx
                2: mov rax, qword ptr [rdi]
                """ + between + """
                add rdi, 8
                jmp 1b
                """, true);
        assertEquals(0x4000_0000L, o.regs()[Cpu.RDI], "the load faulted at the first unmapped address");
        long arithmetic = Flags.CF | Flags.OF | Flags.ZF | Flags.SF;
        assertEquals(Flags.CF | Flags.OF | Flags.SF, o.flags() & arithmetic, "CMP's flags, not those of what follows");
    }

    /**
     * A fault between a rotate and the ADD that overwrites the flags, in the block after a CMP and
     * JNE: the exception finds the CMP's ZF and SF with the rotate's CF (so the CMP's flags could
     * not be left out).
     */
    @Test
    void aFaultPastARotateInTheBlockAfterACompareSeesTheComparesAndTheRotatesFlags() {
        Outcome o = sameBothWays("""
                mov edi, 0x3fffff00
                mov ecx, 0x7fffffff
                1: xor ebx, ebx
                mov edx, 0xf8000000
                cmp ecx, 0x80000000
                jne 2f
                xor edx, edx
                2: rol edx, 5
                mov rax, qword ptr [rdi]
                add rdi, 8
                jmp 1b
                """, true);
        assertEquals(0x4000_0000L, o.regs()[Cpu.RDI], "the load faulted at the first unmapped address");
        assertEquals(Flags.CF | Flags.SF, o.flags() & (Flags.CF | Flags.ZF | Flags.SF),
                "ROL's CF with CMP's ZF and SF");
    }

    /**
     * The block after a CMP and JNE whose flags were left out stores into the instruction that
     * would overwrite them, turning it into an ADC: the region leaves after the store and must
     * set the CMP's flags, from the block before, for the ADC run anew to find the CMP's carry.
     */
    @Test
    void leavingAfterAStoreIntoCodeSetsFlagsACompareInTheBlockBeforeLeftOut() {
        Outcome o = sameBothWays("""
                lea rsi, [rip + patch]
                mov ecx, 3
                xor ebx, ebx
                1: mov edx, 5
                cmp edx, 6
                jne 2f
                xor eax, eax
                2: mov eax, 0
                mov byte ptr [rsi], 0x11
                patch: xor eax, eax
                add ebx, eax
                dec ecx
                jnz 1b
                cli
                hlt
                """, false);
        assertEquals(3, o.regs()[Cpu.RBX], "each round's ADC added the CMP's carry");
    }

    @Test
    void aFaultFromAHandlerCalledInsideARegionIsPrecise() {
        // DIV has no compiled form: the region calls its handler, which raises #DE on the 5th round.
        Outcome o = sameBothWays("""
                mov ecx, 4
                xor r10d, r10d
                1: mov eax, 100
                xor edx, edx
                inc r10d
                div ecx
                add r11d, eax
                dec ecx
                jmp 1b
                """, true);
        assertEquals(5, o.regs()[10], "five rounds started");
        assertEquals(25 + 33 + 50 + 100, o.regs()[11], "four divided");
    }

    @Test
    void aRegionThatRewritesAnInstructionAheadOfItRunsTheNewOne() {
        Outcome o = sameBothWays("""
                lea rsi, [rip + patch]
                xor ebx, ebx
                mov ecx, 10
                1: cmp ecx, 5
                jne 2f
                mov byte ptr [rsi + 1], 0xC7
                2: dec ecx
                patch: add ebx, eax
                inc eax
                test ecx, ecx
                jnz 1b
                cli
                hlt
                """, false);
        assertTrue(o.regs()[Cpu.RDI] != 0, "ADD EBX, EAX became ADD EDI, EAX");
    }

    @Test
    void interruptsArriveAtInstructionBoundariesWhileARegionLoops() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(1);
            // The handler counts interrupts and records the interrupted RIP's offset from the loop.
            m.load(0x80000, Asm.code64("""
                    inc qword ptr [0x6000]
                    push rax
                    mov rax, [rsp + 8]
                    mov [0x6008], rax
                    pop rax
                    iretq
                    """));
            m.gate64(0x50, 0x80000, 0, 0, false);
            m.load(TestMachine.CODE, Asm.code64("""
                    sti
                    xor eax, eax
                    mov ecx, 20000000
                    1: add rax, rcx
                    dec ecx
                    jnz 1b
                    cli
                    hlt
                    """));
            m.longMode(TestMachine.CODE);
            Thread raiser = Thread.ofPlatform().start(() -> {
                for (int k = 0; k < 5; k++) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                    m.apic.raise(0x50);
                }
            });
            ExitReason r = m.run();
            raiser.join();
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(20_000_000L * 20_000_001 / 2, m.reg(Cpu.RAX), "no iteration lost or repeated");
            long interrupts = m.ram.read64(0x6000);
            assertTrue(interrupts >= 1 && interrupts <= 5, interrupts + " interrupts");
            long at = m.ram.read64(0x6008) - TestMachine.CODE;
            assertTrue(at == 3 || at == 8 || at == 15, "interrupted between blocks: offset " + at);
        }
    }

    /**
     * A loop whose CMP's flags only its JNE reads (both successors overwrite them) leaves them
     * out; an interrupt taken where the region returns to the dispatcher, at the loop's head,
     * must find the CMP's flags in RFLAGS (the handler reads them with PUSHFQ).
     */
    @Test
    void anInterruptAtARegionBoundaryFindsTheFlagsALoopsCompareLeftOut() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(1);
            // The handler records the interrupted RIP, RAX and the flags it finds.
            m.load(0x80000, Asm.code64("""
                    mov [0x6018], rax
                    push rax
                    pushfq
                    pop rax
                    mov [0x6010], rax
                    mov rax, [rsp + 8]
                    mov [0x6008], rax
                    inc qword ptr [0x6000]
                    pop rax
                    iretq
                    """));
            m.gate64(0x50, 0x80000, 0, 0, false);
            m.load(TestMachine.CODE, Asm.code64("""
                    sti
                    xor eax, eax
                    mov ecx, 200000000
                    1: add eax, 1
                    cmp eax, ecx
                    jne 1b
                    add ebx, 1
                    cli
                    hlt
                    """));
            m.longMode(TestMachine.CODE);
            Thread raiser = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                m.apic.raise(0x50);
            });
            ExitReason r = m.run();
            raiser.join();
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(1, m.ram.read64(0x6000), "one interrupt");
            long at = m.ram.read64(0x6008) - TestMachine.CODE;
            long flags = m.ram.read64(0x6010) & (Flags.CF | Flags.ZF | Flags.SF | Flags.OF);
            if (at == 8 && m.ram.read64(0x6018) != 0) {
                assertEquals(Flags.CF | Flags.SF, flags, "CMP's flags at the loop's head");
            } else {
                assertTrue(at == 3 || at == 8 || at == 15 || at == 18, "interrupted between blocks: offset " + at);
            }
        }
    }

    @Test
    void aDeviceWriteIntoTheCodeOfALoopingRegionReplacesTheOldCode() throws Exception {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(1);
            byte[] code = Asm.code64("""
                    xor ebx, ebx
                    1: inc rbx
                    mov eax, 0
                    test eax, eax
                    jz 1b
                    cli
                    hlt
                    """);
            m.load(TestMachine.CODE, code);
            m.longMode(TestMachine.CODE);
            long immediate = TestMachine.CODE + 2 + 3 + 1;
            assertEquals(0xB8, m.ram.read8(immediate - 1), "MOV EAX, imm32 where expected");
            Thread device = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                    // As a disk read by DMA: the bytes change behind the processor, then the device says so.
                    m.ram.write8(immediate, 1);
                    m.ram.deviceWrote(immediate, 1);
                    Thread.sleep(20_000);
                    m.cpu.kick();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            ExitReason r = m.run();
            device.interrupt();
            device.join();
            assertEquals(ExitReason.HLT, r, "the loop must end once the device rewrote its immediate: "
                    + m.cpu.describeExit());
            assertEquals(1, m.reg(Cpu.RAX));
            assertTrue(m.reg(Cpu.RBX) > 1, "the loop ran compiled before the write");
        }
    }

    @Test
    void aRegionTooLongForOneJvmMethodIsCutAndStillRunsRight() {
        // 24 blocks of 40 read-modify-writes each: more bytecode than HotSpot compiles in one
        // method, so the region is cut to its first blocks and the rest stays interpreted.
        StringBuilder src = new StringBuilder("mov esi, 0x200000\nxor edi, edi\nmov eax, 3\nmov ecx, 9\n1:\n");
        for (int b = 0; b < 24; b++) {
            for (int k = 0; k < 40; k++) {
                src.append("add qword ptr [rsi + rdi * 8 + ").append(8 * ((b * 40 + k) % 400)).append("], rax\n");
            }
            src.append("test ecx, ").append(b % 3 + 1).append("\njz 2f\n");
        }
        src.append("2: inc edi\ndec ecx\njnz 1b\ncli\nhlt\n");
        Outcome o = sameBothWays(src.toString(), false);
        assertEquals(ExitReason.HLT, o.exit());
    }

    @Test
    void aRepStringFaultInsideARegionKeepsTheIterationsDone() {
        long[] interpreted = repStosFault(0, false);
        long[] compiled = repStosFault(1, false);
        assertArrayEquals(interpreted, compiled, "RCX, RDI, R8, vector, RIP");
        assertArrayEquals(interpreted, repStosFault(1, true), "compiled for C2");
        assertEquals(Vectors.PF, compiled[3]);
        assertEquals(3, compiled[2], "the third round faulted");
        assertEquals(0x4000_0000_1000L, compiled[1], "RDI stopped at the unmapped page");
        assertEquals(0x300 - 0x200, compiled[0], "0x200 bytes stored, 0x100 left in RCX");
    }

    /** A loop whose third round's REP STOSB runs off the mapped page: RCX, RDI, the round, 14, the faulting RIP. */
    private static long[] repStosFault(int threshold, boolean forC2) {
        try (TestMachine m = new TestMachine()) {
            m.cpu.setCompileThreshold(threshold);
            m.cpu.setCompileForC2(forC2);
            // A #PF handler of its own: the common exception stub uses RCX.
            m.load(0x80000, Asm.code64("""
                    mov [0x6000], rcx
                    mov [0x6008], rdi
                    mov [0x6010], r8
                    mov rax, [rsp + 8]
                    mov [0x6018], rax
                    cli
                    hlt
                    """));
            m.gate64(Vectors.PF, 0x80000, 0, 0, false);
            m.pages.map4k(0x4000_0000_0000L, 0x300000, PageTables.P | PageTables.RW);
            ExitReason r = m.run64("""
                    movabs rdx, 0x400000000800
                    xor r8d, r8d
                    1: inc r8d
                    mov rdi, rdx
                    mov ecx, 0x300
                    mov eax, r8d
                    rep stosb
                    add rdx, 0x300
                    jmp 1b
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            return new long[] {m.ram.read64(0x6000), m.ram.read64(0x6008), m.ram.read64(0x6010), Vectors.PF,
                    m.ram.read64(0x6018)};
        }
    }
}

package jvisor.engine.emu;

import static jvisor.engine.emu.UndefinedFlags.AF;
import static jvisor.engine.emu.UndefinedFlags.CF;
import static jvisor.engine.emu.UndefinedFlags.OF;
import static jvisor.engine.emu.UndefinedFlags.PF;
import static jvisor.engine.emu.UndefinedFlags.SF;
import static jvisor.engine.emu.UndefinedFlags.STATUS;
import static jvisor.engine.emu.UndefinedFlags.ZF;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The table of undefined flags and results, and what a comparison on a non-AMD host leaves out
 * of a snippet: the SDM's cases one by one, flags redefined or read later, counts through CL,
 * jumps that may skip an instruction, and every form of the differential catalogs classified.
 */
class HostComparisonTest {
    private static final long DATA = 0x7000_0000L;

    private static UndefinedFlags.Effect effect(String insn, long count) {
        return UndefinedFlags.of(AsmInstruction.parse(insn), count);
    }

    private static HostComparison compared(long rcx, String... units) {
        long[] regs = new long[16];
        regs[1] = rcx;
        regs[3] = DATA + 0x1000;
        return HostComparison.definedPartsOf(List.of(units), new CpuSnapshot(regs, 2, new byte[0]), DATA);
    }

    @Test
    void theTableFollowsTheManuals() {
        assertEquals(SF | ZF | AF | PF, effect("imul rcx, rdx", -1).undefines());
        assertEquals(CF | OF, effect("mul qword ptr [rbx]", -1).defines());
        assertEquals(STATUS, effect("idiv ecx", -1).undefines());
        assertEquals(AF, effect("xor al, 0x55", -1).undefines());
        assertEquals(OF | SF | AF | PF, effect("btc eax, 3", -1).undefines());
        assertEquals(CF | OF | SF | AF | PF, effect("bsf eax, ecx", -1).undefines());
        assertEquals(OF | SF | AF | PF, effect("tzcnt ax, dx", -1).undefines());
        assertEquals(0, effect("popcnt eax, ecx", -1).undefines());
        assertEquals(AF | SF | PF, effect("bextr eax, ecx, edx", -1).undefines());
        assertEquals(AF | PF, effect("blsmsk rax, rcx", -1).undefines());
        assertEquals(0, effect("shl eax, 0", 0).undefines() | effect("shl eax, 0", 0).defines());
        assertEquals(AF, effect("shl eax, 1", 1).undefines());
        assertEquals(AF | OF, effect("shr eax, 5", 5).undefines());
        assertEquals(AF | OF, effect("shl rax, 33", 33).undefines());
        assertEquals(AF | OF | CF, effect("shl ax, 16", 16).undefines(), "SHL/SHR CF past the width");
        assertEquals(AF | OF, effect("sar ax, 16", 16).undefines());
        assertEquals(0, effect("shl eax, 32", 32).undefines(), "a 32-bit count is masked to 5 bits");
        assertEquals(OF, effect("ror dl, 2", 2).undefines());
        assertEquals(CF | OF, effect("rol dl, 1", 1).defines());
        assertEquals(0, effect("rcl dl, 9", 9).defines() & CF, "RCL by 9 of a byte turns CF back where it was");
        assertEquals(CF, effect("rcr dx, 3", 3).reads());
        assertEquals(AF, effect("shld eax, edx, 1", 1).undefines());
        assertFalse(effect("shld ax, dx, 16", 16).resultUndefined());
        assertTrue(effect("shrd ax, dx, 17", 17).resultUndefined());
        assertEquals(STATUS, effect("shrd ax, dx, 17", 17).undefines());
        assertEquals(AF | OF, effect("shrd rax, rdx, 40", 40).undefines());
        assertEquals(SF | OF, effect("jl 1f", -1).reads());
        assertEquals(ZF, effect("loope 2b", -1).reads());
        assertEquals(0, effect("rep cmpsb", -1).defines(), "zero iterations leave the flags");
    }

    @Test
    void aLaterWriterRedefinesAndAReaderCutsTheSnippet() {
        HostComparison redefined = compared(0, "mul rcx", "add rax, rdx");
        assertEquals(2, redefined.units());
        assertEquals(0, redefined.ignored().flags());
        HostComparison read = compared(0, "imul rcx", "setz al", "add eax, ecx");
        assertEquals(1, read.units());
        assertEquals(SF | ZF | AF | PF, read.ignored().flags());
        HostComparison definedRead = compared(0, "imul rcx", "setc al");
        assertEquals(2, definedRead.units());
        HostComparison partly = compared(0, "xor eax, ecx", "inc edx");
        assertEquals(0, partly.ignored().flags(), "INC defines AF");
    }

    @Test
    void countsThroughClAreKnownUntilRcxMayChange() {
        assertEquals(0, compared(1, "rol edx, cl", "seto al").ignored().flags());
        assertEquals(1, compared(5, "rol edx, cl", "seto al").units());
        assertEquals(OF, compared(5, "rol edx, cl", "seto al").ignored().flags());
        HostComparison unknown = compared(1, "add ecx, 4", "rol edx, cl", "seto al");
        assertEquals(2, unknown.units());
        HostComparison zero = compared(0, "mul rcx", "mov ecx, edx", "shl edx, cl");
        assertEquals(SF | ZF | AF | PF | OF, zero.ignored().flags(), "a count that may be 0 redefines nothing");
    }

    @Test
    void anUndefinedResultIsLeftOutAndEndsTheComparison() {
        HostComparison register = compared(0, "shld ax, dx, 20", "nop");
        assertEquals(1, register.units());
        assertEquals(0xFFFF, register.ignored().registerBits()[0]);
        assertEquals(STATUS, register.ignored().flags());
        HostComparison memory = compared(0, "shrd word ptr [rbx + 0x10], dx, 17");
        BitSet bytes = new BitSet();
        bytes.set(0x1010, 0x1012);
        assertEquals(bytes, memory.ignored().memory());
        assertEquals(1, compared(16, "shld ax, dx, cl").units());
        assertEquals(0, compared(16, "shld ax, dx, cl").ignored().registerBits()[0], "16 is not above 16");
        assertEquals(0xFFFF, compared(16, "inc ecx", "shld ax, dx, cl").ignored().registerBits()[0]);
    }

    @Test
    void instructionsAJumpMaySkipDefineNothing() {
        assertEquals(SF | ZF | AF | PF, compared(0, "mul rcx", "jmp 1f; inc eax; 1:").ignored().flags());
        assertEquals(2, compared(0, "shl eax, 3", "jc 1f; inc eax; 1:").units());
        // A loop body's second turn reads what its first left undefined.
        assertEquals(0, compared(0, "2: setz al; mul rcx; loop 2b").units());
        assertEquals(1, compared(0, "and ecx, 7; inc ecx; 2: cmp eax, edx; loope 2b").units());
    }

    @Test
    void everyFormOfTheCatalogsIsClassified() {
        InstructionPool pool = new InstructionPool(DATA, 2, 1);
        for (InstructionPool.Entry e : pool.entries) {
            for (AsmInstruction i : AsmInstruction.parseAll(e.text())) {
                for (long count : new long[] {-1, 0, 1, 7, 16, 17, 31, 63}) {
                    assertDoesNotThrow(() -> UndefinedFlags.of(i, count), e.text());
                }
            }
            assertDoesNotThrow(() -> compared(3, e.text(), e.text()), e.text());
        }
    }

    @Test
    void theVendorIsTheOneCpuidGivesTheKernel() throws Exception {
        Assumptions.assumeTrue(NativeCpu.available(), "the host is not an x86-64 Linux");
        assertEquals(12, HostVendor.id().length(), HostVendor.id());
        Path cpuinfo = Path.of("/proc/cpuinfo");
        Assumptions.assumeTrue(Files.isReadable(cpuinfo));
        assertTrue(Files.readAllLines(cpuinfo).stream().anyMatch(l -> l.matches("vendor_id\\s*:\\s*" + HostVendor.id())),
                HostVendor.id());
    }
}

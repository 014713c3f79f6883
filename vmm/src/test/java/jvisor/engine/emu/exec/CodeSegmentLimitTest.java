package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Vectors;
import org.junit.jupiter.api.Test;

/**
 * Code decoded under one CS limit and run again under a smaller one: the fetch past the new limit
 * raises #GP(0), as it does the first time code is fetched there, even though the block is cached.
 */
class CodeSegmentLimitTest {
    /** A 32-bit code segment, base 0, 4 KiB granular, whose last byte is {@code CODE + 0x1FFF}. */
    private static final long SMALL_CODE32 = 0x00C0_9A00_0000_0000L | ((TestMachine.CODE + 0x1FFF) >>> 12);
    private static final int SEL_SMALL_CODE32 = 0x48;

    private static final String PROGRAM = """
            .code32
            call f
            ljmp 0x48, offset next
            next:
            call f
            cli
            hlt
            .org 0x1FFC
            f:
            nop
            nop
            nop
            nop
            nop
            ret
            """;

    @Test
    void aCachedBlockPastTheNewLimitFaults() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions32();
            m.ram.write64(TestMachine.GDT + SEL_SMALL_CODE32, SMALL_CODE32);
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, PROGRAM));
            m.protected32(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            TestMachine.Caught caught = m.caught();
            assertEquals(Vectors.GP, caught.vector(), "the NOP at the new limit's next byte is fetched past it");
            assertEquals(0, caught.errorCode());
            assertEquals(TestMachine.CODE + 0x2000, caught.rip());
            assertEquals(SEL_SMALL_CODE32, caught.cs());
        }
    }

    @Test
    void codeFirstFetchedUnderTheSmallLimitFaultsAlike() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions32();
            m.ram.write64(TestMachine.GDT + SEL_SMALL_CODE32, SMALL_CODE32);
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, PROGRAM.replaceFirst("call f\n", "nop\n")));
            m.protected32(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            TestMachine.Caught caught = m.caught();
            assertEquals(Vectors.GP, caught.vector());
            assertEquals(TestMachine.CODE + 0x2000, caught.rip());
        }
    }
}

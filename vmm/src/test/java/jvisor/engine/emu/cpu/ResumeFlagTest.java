package jvisor.engine.emu.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/** RF in the RFLAGS image an exception pushes (SDM 17.3.1.1), as kvm-unit-tests' idt_test checks it. */
class ResumeFlagTest {
    /** The RFLAGS image the exception stub found on its stack. */
    private static long pushedRflags(String code, int expectedVector) {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            ExitReason r = m.run64(code + "\ncli\nhlt\n");
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(expectedVector, m.caught().vector());
            long rsp = m.ram.read64(TestMachine.RESULT + 0x30);
            return m.ram.read64(rsp + 16);
        }
    }

    @Test
    void faultsPushRfSet() {
        assertEquals(Flags.RF, pushedRflags("ud2", Vectors.UD) & Flags.RF, "#UD");
        assertEquals(Flags.RF, pushedRflags("mov rax, -1\nmov cr4, rax", Vectors.GP) & Flags.RF, "#GP");
    }

    @Test
    void trapsPushRfClear() {
        assertEquals(0, pushedRflags("int3", Vectors.BP) & Flags.RF, "#BP is a trap");
    }
}

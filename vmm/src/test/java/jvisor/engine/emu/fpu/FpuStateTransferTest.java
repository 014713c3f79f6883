package jvisor.engine.emu.fpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import jvisor.engine.CpuState;
import jvisor.engine.FpuRegisters;
import jvisor.engine.emu.TestMachine;
import org.junit.jupiter.api.Test;

/** The FPU/SSE state in the engine-neutral {@link CpuState}: read, written back, kept by INIT. */
class FpuStateTransferTest {
    @Test
    void afterResetTheStateIsTheArchitecturalOne() {
        try (TestMachine m = new TestMachine()) {
            FpuRegisters fpu = m.cpu.state().fpu();
            assertNotNull(fpu);
            assertEquals(FpuState.FCW_RESET, fpu.fcw());
            assertEquals(0, fpu.fsw());
            assertEquals(Mxcsr.DEFAULT, fpu.mxcsr());
        }
    }

    @Test
    void aStateWrittenIsReadBackAndAStateWithoutFpuKeepsIt() {
        try (TestMachine m = new TestMachine()) {
            m.run64(FpuExceptionsTest.SSE_ON + """
                    fninit
                    fldpi
                    mov eax, 0x12345678
                    movd xmm5, eax
                    mov dword ptr [0x6000], 0x3f80
                    ldmxcsr [0x6000]
                    cli
                    hlt
                    """);
            CpuState saved = m.cpu.state();
            byte[] image = saved.fpu().fxsave();
            assertEquals(0x3F80, saved.fpu().mxcsr());
            try (TestMachine other = new TestMachine()) {
                other.cpu.setState(saved);
                assertArrayEquals(image, other.cpu.state().fpu().fxsave());
                other.cpu.setState(CpuState.reset(true));
                assertArrayEquals(image, other.cpu.state().fpu().fxsave(), "a state without FPU leaves it alone");
                FpuState f = other.processor().fpu;
                assertEquals(0x1234_5678L, f.xmm[10]);
                assertEquals(0x4000, f.sexpOf(0), "pi in ST(0)");
            }
        }
    }
}

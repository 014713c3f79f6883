package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jvisor.engine.ExitReason;
import jvisor.engine.emu.cpu.Cpu;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void loopAddsUp() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    mov ecx, 100
                    xor eax, eax
                1:  add eax, ecx
                    dec ecx
                    jnz 1b
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(5050, m.reg(Cpu.RAX));
        }
    }

    @Test
    void consoleOutput() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    lea rsi, [rip + msg]
                    mov ecx, 5
                    mov dx, 0xe9
                    rep outsb
                    cli
                    hlt
                msg: .ascii "hello"
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals("hello", m.io.consoleText());
        }
    }
}

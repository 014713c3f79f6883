package jvisor.engine.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DifferentialSmokeTest {
    @Test
    void simpleArithmeticMatchesTheHost() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeCpu.available(), "the host is not an x86-64 Linux");
        NativeCpu host = new NativeCpu();
        try (EmuOracleRunner emu = new EmuOracleRunner(host)) {
            Random rnd = new Random(1);
            String[] snippets = {
                "add eax, ecx", "sub rax, rdx", "adc al, cl", "sbb r8w, r9w", "imul rcx, rdx", "shl eax, cl",
                "mov [rbx+8], rax\n add qword ptr [rbx+8], 5", "push rax\n pop rcx", "bsf eax, ecx", "xor al, 0x55",
            };
            for (String s : snippets) {
                java.util.List<String> insns = HostComparison.instructions(s);
                for (int k = 0; k < 20; k++) {
                    long[] regs = new long[16];
                    for (int i = 0; i < 16; i++) {
                        regs[i] = rnd.nextLong();
                    }
                    regs[3] = host.dataAddress() + 0x100;
                    regs[4] = host.dataAddress() + NativeCpu.DATA_SIZE - 0x100;
                    byte[] mem = new byte[NativeCpu.DATA_SIZE];
                    rnd.nextBytes(mem);
                    CpuSnapshot in = new CpuSnapshot(regs, 0x202 | (rnd.nextLong() & 0x8D5), mem);
                    HostComparison c = HostComparison.of(insns, in, host.dataAddress());
                    byte[] code = Asm.code64(String.join("\n", insns.subList(0, c.units())));
                    CpuSnapshot a = host.run(code, in);
                    CpuSnapshot b = emu.run(code, in);
                    assertEquals("", c.diff(a, b), s + c + " from " + in.diff(new CpuSnapshot(new long[16], 0, mem)));
                }
            }
        }
    }
}

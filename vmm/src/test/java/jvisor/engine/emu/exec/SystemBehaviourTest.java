package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import jvisor.engine.ExitReason;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Vectors;
import org.junit.jupiter.api.Test;

/** What the host oracle cannot check: self-modifying code, port I/O, real mode, segment limits, CPUID. */
class SystemBehaviourTest {
    @Test
    void writingTheNextInstructionInTheSameBlockRunsTheNewCode() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    xor ebx, ebx
                    lea rax, [rip + patch]
                    mov word ptr [rax], 0x9090
                    patch:
                    inc ebx
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(0, m.reg(Cpu.RBX), "INC EBX was overwritten with NOPs before it ran");
        }
    }

    @Test
    void codeRewrittenAfterItRanIsDecodedAgain() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    xor ebx, ebx
                    mov ecx, 2
                    again:
                    call sub
                    lea rax, [rip + sub]
                    mov byte ptr [rax + 1], 0xc3
                    dec ecx
                    jnz again
                    cli
                    hlt
                    sub:
                    inc ebx
                    ret
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(2, m.reg(Cpu.RBX));
        }
    }

    @Test
    void outAndInsReachTheGuestIo() {
        try (TestMachine m = new TestMachine()) {
            m.io.portValue = 0x41;
            ExitReason r = m.run64("""
                    mov al, 'o'
                    out 0xe9, al
                    mov dx, 0xe9
                    mov al, 'k'
                    out dx, al
                    mov dx, 0x60
                    mov rdi, 0x6000
                    mov ecx, 3
                    cld
                    rep insb
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals("ok", m.io.consoleText());
            assertEquals("AAA", new String(m.ram.read(0x6000, 3), StandardCharsets.US_ASCII));
            long ins = m.io.ports.stream().filter(a -> !a.write() && a.address() == 0x60).count();
            assertEquals(3, ins);
        }
    }

    @Test
    void repMovsWithThirtyTwoBitAddressesAndBackwardsDirection() {
        try (TestMachine m = new TestMachine()) {
            m.ram.write(0x6000, "abcdefgh".getBytes(StandardCharsets.US_ASCII));
            ExitReason r = m.run64("""
                    mov esi, 0x6007
                    mov edi, 0x6107
                    mov ecx, 8
                    std
                    addr32 rep movsb
                    cld
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals("abcdefgh", new String(m.ram.read(0x6100, 8), StandardCharsets.US_ASCII));
            assertEquals(0x5FFF, m.reg(Cpu.RSI));
            assertEquals(0, m.reg(Cpu.RCX));
        }
    }

    @Test
    void aLongRepeatedStoreIsInterruptibleAndCompletes() {
        try (TestMachine m = new TestMachine()) {
            ExitReason r = m.run64("""
                    mov rdi, 0x400000
                    mov ecx, 100000
                    mov eax, 0x5a
                    rep stosb
                    cli
                    hlt
                    """);
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(0x5a, m.ram.read8(0x400000 + 99999));
            assertEquals(0, m.ram.read8(0x400000 + 100000));
        }
    }

    @Test
    void aPageFaultInTheMiddleOfRepMovsLeavesTheRegistersAtTheFault() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions64();
            m.pages.map4k(0x4000_0000_0000L, 0x300000, jvisor.engine.emu.PageTables.P | jvisor.engine.emu.PageTables.RW);
            ExitReason r = m.run64("""
                    mov rsi, 0x6000
                    movabs rdi, 0x400000000ff0
                    mov ecx, 64
                    rep movsb
                    """ + "cli\nhlt\n");
            assertEquals(ExitReason.HLT, r, m.cpu.describeExit());
            assertEquals(Vectors.PF, m.caught().vector());
            assertEquals(0x4000_0000_1000L, m.caught().cr2());
            assertEquals(0x4000_0000_1000L, m.reg(Cpu.RDI), "16 bytes copied before the fault");
            assertEquals(0x6010, m.reg(Cpu.RSI));
        }
    }

    @Test
    void realModeCodeUsesTheIvtAndSegmentArithmetic() {
        try (TestMachine m = new TestMachine()) {
            m.ram.write16(0x21 * 4, 0x0100);
            m.ram.write16(0x21 * 4 + 2, 0x0900);
            m.load(0x9100, Asm.code16("""
                    mov word ptr [0x10], 0x4242
                    iret
                    """));
            m.load(0x8000, Asm.code16("""
                    mov ax, 0x0500
                    mov ds, ax
                    mov word ptr [0x10], 0x1111
                    int 0x21
                    xor ax, ax
                    mov ds, ax
                    mov ax, [0x5010]
                    mov [0x6000], ax
                    cli
                    hlt
                    """));
            m.realMode(0, 0x8000);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            assertEquals(0x4242, m.ram.read16(0x6000), "the handler wrote DS:0x10 = 0x5010");
        }
    }

    @Test
    void accessBeyondASegmentLimitIsGeneralProtectionAndStackLimitIsStackFault() {
        try (TestMachine m = new TestMachine()) {
            m.catchExceptions32();
            m.ram.write64(TestMachine.GDT + 0x48, 0x0040_9200_0000_00FFL);
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, """
                    .code32
                    lgdt [gdtr]
                    mov ax, 0x48
                    mov es, ax
                    mov byte ptr es:[0xff], 1
                    mov word ptr es:[0xff], 1
                    cli
                    hlt
                    gdtr: .word 0x4f
                    .long 0x1000
                    """));
            m.protected32(TestMachine.CODE);
            assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
            assertEquals(Vectors.GP, m.caught().vector());
            assertEquals(1, m.ram.read8(0xff), "the byte at the limit was written");
        }
    }

    @Test
    void cpuidIdentifiesAnIntelProcessorWithWhatIsImplemented() {
        try (TestMachine m = new TestMachine()) {
            m.run64("""
                    xor eax, eax
                    cpuid
                    mov [0x6000], ebx
                    mov [0x6004], edx
                    mov [0x6008], ecx
                    mov eax, 1
                    cpuid
                    mov [0x6010], ecx
                    mov [0x6014], edx
                    mov eax, 0x80000001
                    cpuid
                    mov [0x6018], edx
                    cli
                    hlt
                    """);
            assertEquals("GenuineIntel", new String(m.ram.read(0x6000, 12), StandardCharsets.US_ASCII));
            int ecx1 = m.ram.read32(0x6010);
            int edx1 = m.ram.read32(0x6014);
            int fpuMmxFxsrSseSse2 = 1 | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
            assertEquals(fpuMmxFxsrSseSse2, edx1 & fpuMmxFxsrSseSse2, "FPU, MMX, FXSR, SSE, SSE2 advertised");
            assertEquals(0, ecx1 & ((1 << 0) | (1 << 9) | (1 << 19) | (1 << 28)),
                    "no SSE3, SSSE3, SSE4.1 or AVX (not implemented)");
            assertTrue((ecx1 & (1 << 31)) != 0, "hypervisor bit");
            assertTrue((m.ram.read32(0x6018) & (1 << 29)) != 0, "long mode");
        }
    }
}

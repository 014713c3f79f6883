package jvisor.engine.emu.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Random;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.CpuFault;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.decode.Decoder;
import jvisor.engine.emu.decode.Insn;
import org.junit.jupiter.api.Test;

/**
 * The interpreter's switch over the frequent forms ({@link FastForms}) against the handlers it stands
 * for: every fast form is what the decoder picks for some encoding, and running an instruction from
 * the switch leaves the same state as calling its handler (compiled regions call the handler).
 */
class FastFormsTest {
    /** RBX points into the data area (flat DS accesses), RBP too (SS accesses, not flat). */
    private static final long RBX = TestMachine.DATA + 0x100;
    private static final long RBP = TestMachine.DATA + 0x200;
    private static final long RSP = TestMachine.STACK - 0x80;

    /** At least one encoding of each fast form, and neighbours of the forms that were split by size. */
    private static final List<String> CODE = List.of(
            "mov rcx, rdx", "mov ecx, edx", "mov cx, dx", "mov r9, rsp",
            "{load} mov rcx, rdx", "{load} mov ecx, edx", "{load} mov r10d, r11d", "{load} mov cx, dx",
            "mov rcx, [rbx + 8]", "mov ecx, [rbx + 8]", "mov rcx, [rbp + 8]", "mov ecx, [rbp - 8]",
            "mov r12, [rbx + 0x10]", "mov cx, [rbx + 8]",
            "mov [rbx + 8], rcx", "mov [rbx + 8], ecx", "mov [rbx + 8], ch", "mov [rbx + 8], sil",
            "mov [rbp + 8], rcx", "mov [rbp + 8], ecx", "mov [rbx + 8], cx",
            ".byte 0x48, 0xc7, 0xc1, 0x00, 0x00, 0x00, 0x81", ".byte 0xc7, 0xc1, 0x78, 0x56, 0x34, 0x92",
            "mov qword ptr [rbx + 8], -2", "mov word ptr [rbx + 8], 0x1234",
            "movabs rcx, 0x123456789abcdef0", "mov ecx, 0x92345678", "mov cx, 0x9234", "mov ch, 0x12",
            "movzx ecx, byte ptr [rbx + 8]", "movzx ecx, ah", "movzx rcx, sil", "movzx ecx, byte ptr [rbp + 8]",
            "movzx cx, dl",
            "lea rcx, [rbx + rdx * 4 + 0x10]", "lea ecx, [rbx + rdx * 4 - 0x10]", "lea ecx, [ebx + edx]",
            "lea cx, [rbx + rdx]", "lea rcx, [rip + 0x100]",
            "nop dword ptr [rax + rax * 1 + 0]",
            "push rcx", "push r12", "pop rcx", "pop rsp",
            "jmp .+0x20", "call .+0x200", "ret", "ret 8",
            "add rcx, rdx", "or rcx, rdx", "and rcx, rdx", "sub rcx, rdx", "xor rcx, rdx", "cmp rcx, rdx",
            "add ecx, edx", "or ecx, edx", "and ecx, edx", "sub ecx, edx", "xor ecx, edx", "cmp ecx, edx",
            "add rcx, 0x12", "or rcx, -3", "and rcx, 0x12345678", "sub rcx, -0x12345678", "xor rcx, 0x7f",
            "cmp rcx, 0x40",
            "add ecx, 0x12", "or ecx, -3", "and ecx, 0x12345678", "sub ecx, -0x12345678", "xor ecx, 0x7f",
            "cmp ecx, 0x40",
            "add rcx, [rbx + 8]", "or rcx, [rbx + 8]", "and rcx, [rbp + 8]", "sub rcx, [rbx + 8]",
            "xor rcx, [rbx + 8]", "cmp rcx, [rbp + 8]",
            "add ecx, [rbx + 8]", "or ecx, [rbx + 8]", "and ecx, [rbp + 8]", "sub ecx, [rbx + 8]",
            "xor ecx, [rbx + 8]", "cmp ecx, [rbp + 8]",
            "cmp [rbx + 8], rcx", "cmp [rbp + 8], ecx", "cmp qword ptr [rbx + 8], 5", "cmp dword ptr [rbp + 8], -1",
            "test rcx, rdx", "test ecx, edx", "test r8, r8",
            "mov byte ptr [rbx + 8], 0x92", "mov byte ptr [rbp + 8], 0x12",
            "movzx ecx, word ptr [rbp + 8]", "movzx rcx, dx", "movsx ecx, byte ptr [rbx + 8]", "movsx ecx, ah",
            "movsx rcx, word ptr [rbx + 8]", "movsxd rcx, edx", "movsxd rcx, dword ptr [rbp + 8]",
            "cmp cl, 0x12", "cmp cx, -3", "cmp byte ptr [rbx + 8], 0x80", "cmp word ptr [rbp + 8], 0x1234",
            "cmp al, 0x2e", "cmp eax, 0x12345", "cmp rax, 0x12345", "cmp ax, 0x8000",
            "test cl, dl", "test ah, ah", "test [rbx + 8], ecx", "test [rbp + 8], cl",
            "test al, 0x10", "test eax, 0x7fffffff", "test ah, 0x10", "test dword ptr [rbx + 8], 0x100",
            "inc ecx", "inc r9", "dec cx", "dec rcx", "inc qword ptr [rbx + 8]", "dec byte ptr [rbp + 8]",
            "push cx", "pop cx", "push 0x12", "push -0x12345678",
            "call qword ptr [rbx + 8]", "call rcx", "jmp rdx", "jmp qword ptr [rbp + 8]",
            "imul rcx, rdx", "imul ecx, [rbx + 8]", "imul rcx, rdx, 0x12", "imul cx, [rbx + 8], -5",
            "mov [rbp + 8], cx", "mov [rbx + 8], dh", "mov cl, [rbx + 8]", "mov cx, [rbp + 8]", "mov ah, [rbx + 8]",
            "cmovz rcx, rdx", "cmovb ecx, [rbx + 8]", "cmovg cx, dx", "cmovnz ecx, edx", "setb cl", "setle ah",
            "seto byte ptr [rbx + 8]", "bswap rcx", "bswap ecx", "cdqe", "cwde", "cqo", "cdq", "cwd",
            "mov ecx, ss", "mov word ptr [rbx + 8], ds",
            "not rcx", "not byte ptr [rbx + 8]", "neg ecx", "neg word ptr [rbp + 8]",
            "pushfq", "popfq", "leave", "cli", "sti",
            "mul rcx", "mul dword ptr [rbx + 8]", "imul cl", "div rsi", "idiv ecx",
            "shl rcx, 5", "shr ecx, 31", "sar rcx, 1", "rol cx, 3", "ror r9, 7", "rcl cl, 1", "rcr edx, cl",
            "shl qword ptr [rbx + 8], 12", "sar byte ptr [rbx + 8], 1", "ror dword ptr [rbp + 8], cl",
            "shl r9, 63", "shr rcx, 33", "sar rdx, 7", "rol rcx, 13", "ror rsi, 61",
            "shl r10d, 31", "shr ecx, 9", "sar edx, 30", "rol ecx, 11", "ror esi, 17",
            // SAL (/6), counts that mask to 0 (the general form: a 32-bit one clears the upper half), and over 31
            ".byte 0x48, 0xc1, 0xf1, 0x05", ".byte 0xc1, 0xe1, 0x00", ".byte 0xc1, 0xe9, 0x20", ".byte 0x48, 0xc1, 0xc1, 0x40",
            ".byte 0xc1, 0xc9, 0x25", ".byte 0x48, 0xc1, 0xf9, 0x7f");

    @Test
    void everyFastFormIsDecodedAndRunsLikeItsHandler() {
        BitSet seen = new BitSet();
        Random random = new Random(11);
        try (TestMachine viaSwitch = new TestMachine(); TestMachine viaHandler = new TestMachine()) {
            Decoder decoder = new Decoder(BaseOpcodes.maps());
            for (String line : jumpsAndBranches(CODE)) {
                byte[] code = Asm.code64(line);
                Insn x = null;
                for (int round = 0; round < 16; round++) {
                    long seed = random.nextLong();
                    Cpu a = prepare(viaSwitch, code, seed);
                    Cpu b = prepare(viaHandler, code, seed);
                    x = decoder.decode(a, TestMachine.CODE);
                    int vectorA = run(a, x, true);
                    int vectorB = run(b, x, false);
                    assertEquals(vectorB, vectorA, line + ": fault");
                    assertArrayEquals(state(viaHandler), state(viaSwitch), line + ": state after it (seed " + seed + ")");
                }
                if (x.fastForm() != 0) {
                    assertSame(FastForms.HANDLERS[x.fastForm() - 1], x.op(), line + ": handler of its fast form");
                    seen.set(x.fastForm());
                }
            }
        }
        for (int form = 1; form <= FastForms.HANDLERS.length; form++) {
            assertTrue(seen.get(form), "no encoding decoded to fast form " + form);
        }
    }

    /** Jcc in both encodings for every condition, added to {@code code}. */
    private static List<String> jumpsAndBranches(List<String> code) {
        List<String> all = new java.util.ArrayList<>(code);
        for (int cc = 0; cc < 16; cc++) {
            all.add(".byte 0x" + Integer.toHexString(0x70 + cc) + ", 0x10");
            all.add(".byte 0x0f, 0x" + Integer.toHexString(0x80 + cc) + ", 0x00, 0x01, 0x00, 0x00");
        }
        return all;
    }

    /** Long mode with the instruction at CODE, random registers, flags, data and stack. */
    private static Cpu prepare(TestMachine m, byte[] code, long seed) {
        Random r = new Random(seed);
        m.load(TestMachine.CODE, code);
        m.longMode(TestMachine.CODE);
        Cpu c = m.processor();
        for (int n = 0; n < 16; n++) {
            c.setReg(n, r.nextInt(4) == 0 ? r.nextInt(256) - 128 : r.nextLong());
        }
        c.setReg(Cpu.RBX, RBX);
        c.setReg(Cpu.RBP, RBP);
        c.setReg(Cpu.RSP, RSP);
        c.setRflags(r.nextLong() & (Flags.CF | Flags.PF | Flags.AF | Flags.ZF | Flags.SF | Flags.OF) | 2);
        byte[] data = new byte[0x400];
        r.nextBytes(data);
        if (r.nextBoolean()) {
            // A return address that can be jumped to.
            System.arraycopy(new byte[] {0x40, 0x12, 0x10, 0, 0, 0, 0, 0}, 0, data, 0x380, 8);
        }
        m.ram.write(TestMachine.DATA, data);
        m.ram.write(RSP - 0x380, data);
        return c;
    }

    /** Runs {@code x} as the interpreter does (RIP already at the next instruction); returns the fault's vector or -1. */
    private static int run(Cpu c, Insn x, boolean viaSwitch) {
        c.setRip(x.nextRip());
        try {
            if (viaSwitch) {
                FastForms.exec(c, x);
            } else {
                x.op().exec(c, x);
            }
            return -1;
        } catch (CpuFault f) {
            return f.vector();
        }
    }

    private static long[] state(TestMachine m) {
        Cpu c = m.processor();
        long[] s = new long[18 + 0x400 / 8 * 2];
        for (int n = 0; n < 16; n++) {
            s[n] = c.reg(n);
        }
        s[16] = c.rip();
        s[17] = c.rflags();
        for (int k = 0; k < 0x400 / 8; k++) {
            s[18 + k] = m.ram.read64(TestMachine.DATA + 8L * k);
            s[18 + 0x400 / 8 + k] = m.ram.read64(RSP - 0x380 + 8L * k);
        }
        return s;
    }
}

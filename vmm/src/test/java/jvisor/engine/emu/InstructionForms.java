package jvisor.engine.emu;

import java.util.ArrayList;
import java.util.List;

/**
 * The catalog of instruction forms the differential tests draw from: every implemented
 * integer opcode that can run in 64-bit user mode, at every operand size, with register, memory
 * and immediate operands. Templates use placeholders that {@link InstructionPool} fills in:
 * {@code {r8} {r16} {r32} {r64}} a register, {@code {r32:x}} the same register x at a size,
 * {@code {h8}} a legacy byte register (AH, CH, DH, ...), {@code {m8}..{m64}} a memory operand in
 * the data area, {@code {m}} an unsized one, {@code {i8} {i16} {i32} {i64}} immediates,
 * {@code {u5}} a shift count, {@code {cc}} a condition.
 *
 * <p>Lines that need a prepared state (divisions that must not overflow, string instructions
 * with pointers into the data area) carry the preparation before a {@code ;}.
 */
final class InstructionForms {
    private InstructionForms() { }

    static final String[] SIZES = {"8", "16", "32", "64"};
    static final String[] CONDITIONS = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge",
        "le", "g"};

    static List<String> all() {
        List<String> t = new ArrayList<>();
        alu(t);
        unary(t);
        multiplyDivide(t);
        shifts(t);
        bits(t);
        moves(t);
        exchange(t);
        stack(t);
        control(t);
        strings(t);
        longStrings(t);
        bmi(t);
        misc(t);
        return t;
    }

    private static void alu(List<String> t) {
        for (String op : new String[] {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"}) {
            for (String s : SIZES) {
                t.add(op + " {r" + s + "}, {r" + s + "}");
                t.add(op + " {m" + s + "}, {r" + s + "}");
                t.add(op + " {r" + s + "}, {m" + s + "}");
                t.add(op + " {r" + s + "}, {i" + immFor(s) + "}");
                t.add(op + " {m" + s + "}, {i" + immFor(s) + "}");
                if (!s.equals("8")) {
                    t.add(op + " {r" + s + "}, {i8}");
                    t.add(op + " {m" + s + "}, {i8}");
                }
            }
            t.add(op + " al, {i8}");
            t.add(op + " ax, {i16}");
            t.add(op + " eax, {i32}");
            t.add(op + " rax, {i32}");
            t.add(op + " {h8}, {h8}");
        }
        for (String s : SIZES) {
            t.add("test {r" + s + "}, {r" + s + "}");
            t.add("test {m" + s + "}, {r" + s + "}");
            t.add("test {r" + s + "}, {i" + immFor(s) + "}");
            t.add("test {m" + s + "}, {i" + immFor(s) + "}");
        }
        t.add("test al, {i8}");
        t.add("test ax, {i16}");
        t.add("test eax, {i32}");
        t.add("test rax, {i32}");
    }

    private static String immFor(String size) {
        return size.equals("64") ? "32" : size;
    }

    private static void unary(List<String> t) {
        for (String op : new String[] {"inc", "dec", "not", "neg"}) {
            for (String s : SIZES) {
                t.add(op + " {r" + s + "}");
                t.add(op + " {m" + s + "}");
            }
            t.add(op + " {h8}");
        }
    }

    private static void multiplyDivide(List<String> t) {
        for (String op : new String[] {"mul", "imul"}) {
            for (String s : SIZES) {
                t.add(op + " {r" + s + "}");
                t.add(op + " {m" + s + "}");
            }
        }
        for (String s : new String[] {"16", "32", "64"}) {
            t.add("imul {r" + s + "}, {r" + s + "}");
            t.add("imul {r" + s + "}, {m" + s + "}");
            t.add("imul {r" + s + "}, {r" + s + "}, {i8}");
            t.add("imul {r" + s + "}, {m" + s + "}, {i" + immFor(s) + "}");
        }
        t.add("movzx eax, al; or cl, 1; div cl");
        t.add("movzx eax, al; or byte ptr [rbx+0x10], 1; div byte ptr [rbx+0x10]");
        t.add("movsx ax, al; and cl, 0x3f; or cl, 2; idiv cl");
        t.add("xor edx, edx; or cx, 1; div cx");
        t.add("cwd; and cx, 0x3fff; or cx, 2; idiv cx");
        t.add("xor edx, edx; or ecx, 1; div ecx");
        t.add("cdq; and ecx, 0x3fffffff; or ecx, 2; idiv ecx");
        t.add("xor edx, edx; or rcx, 1; div rcx");
        t.add("cqo; shr rcx, 2; or rcx, 2; idiv rcx");
        t.add("mov rdx, rcx; shr rdx, 1; or rcx, 1; bts rcx, 63; div rcx");
        t.add("or dword ptr [rbx+0x20], 1; xor edx, edx; div dword ptr [rbx+0x20]");
        t.add("or qword ptr [rbx+0x20], 3; cqo; idiv qword ptr [rbx+0x20]");
    }

    private static void shifts(List<String> t) {
        for (String op : new String[] {"rol", "ror", "rcl", "rcr", "shl", "shr", "sar"}) {
            for (String s : SIZES) {
                t.add(op + " {r" + s + "}, 1");
                t.add(op + " {r" + s + "}, cl");
                t.add(op + " {r" + s + "}, {u5}");
                t.add(op + " {m" + s + "}, 1");
                t.add(op + " {m" + s + "}, cl");
                t.add(op + " {m" + s + "}, {u5}");
            }
            t.add(op + " {r64}, {u6}");
        }
        for (String op : new String[] {"shld", "shrd"}) {
            for (String s : new String[] {"16", "32", "64"}) {
                t.add(op + " {r" + s + "}, {r" + s + "}, {u5}");
                t.add(op + " {r" + s + "}, {r" + s + "}, cl");
                t.add(op + " {m" + s + "}, {r" + s + "}, {u5}");
                t.add(op + " {m" + s + "}, {r" + s + "}, cl");
            }
        }
    }

    private static void bits(List<String> t) {
        for (String op : new String[] {"bt", "bts", "btr", "btc"}) {
            for (String s : new String[] {"16", "32", "64"}) {
                t.add(op + " {r" + s + "}, {r" + s + "}");
                t.add(op + " {r" + s + "}, {u5}");
                t.add(op + " {m" + s + "}, {u5}");
                t.add("and {r" + s + ":x}, 0x3ff; sub {r" + s + ":x}, 0x1ff; " + op + " {m" + s + "}, {r" + s + ":x}");
            }
        }
        for (String op : new String[] {"bsf", "bsr", "tzcnt", "lzcnt", "popcnt"}) {
            for (String s : new String[] {"16", "32", "64"}) {
                t.add(op + " {r" + s + "}, {r" + s + "}");
                t.add(op + " {r" + s + "}, {m" + s + "}");
            }
        }
    }

    private static void moves(List<String> t) {
        for (String s : SIZES) {
            t.add("mov {r" + s + "}, {r" + s + "}");
            t.add("mov {m" + s + "}, {r" + s + "}");
            t.add("mov {r" + s + "}, {m" + s + "}");
            t.add("mov {r" + s + "}, {i" + immFor(s) + "}");
            t.add("mov {m" + s + "}, {i" + immFor(s) + "}");
        }
        t.add("mov {r64}, {i64}");
        // Encodings the assembler does not choose: MOV reg, reg as 8B; MOV r32, imm as C7 /0.
        t.add(".byte 0x48, 0x8b, 0xca");
        t.add(".byte 0x44, 0x8b, 0xc6");
        t.add(".byte 0x66, 0x8b, 0xca");
        t.add(".byte 0xc7, 0xc1, 0x78, 0x56, 0x34, 0x92");
        t.add("mov {h8}, {h8}");
        t.add("movzx {l32}, {h8}");
        t.add("movsx {l32}, {h8}");
        t.add("movabs al, [{abs}]");
        t.add("movabs rax, [{abs}]");
        t.add("movabs [{abs}], eax");
        t.add("movabs [{abs}], ax");
        for (String d : new String[] {"16", "32", "64"}) {
            t.add("movzx {r" + d + "}, {r8}");
            t.add("movzx {r" + d + "}, {m8}");
            t.add("movsx {r" + d + "}, {r8}");
            t.add("movsx {r" + d + "}, {m8}");
            if (!d.equals("16")) {
                t.add("movzx {r" + d + "}, {r16}");
                t.add("movzx {r" + d + "}, {m16}");
                t.add("movsx {r" + d + "}, {r16}");
                t.add("movsx {r" + d + "}, {m16}");
            }
        }
        t.add("movsxd {r64}, {r32}");
        t.add("movsxd {r64}, {m32}");
        t.add("lea {r64}, [rbx + {r64} * 4 + 0x12]");
        t.add("lea {r32}, [{r64} + {r64} * 8 - 0x80]");
        t.add("lea {r16}, [{r64} + 0x1234]");
        t.add("lea {r64}, [rip + 0x100]");
        t.add("lea {r32}, [{r32} + {r32}]");
        for (String cc : CONDITIONS) {
            for (String s : new String[] {"16", "32", "64"}) {
                t.add("cmov" + cc + " {r" + s + "}, {r" + s + "}");
                t.add("cmov" + cc + " {r" + s + "}, {m" + s + "}");
            }
            t.add("set" + cc + " {r8}");
            t.add("set" + cc + " {m8}");
        }
        t.add("bswap {r32}");
        t.add("bswap {r64}");
        for (String s : new String[] {"16", "32", "64"}) {
            t.add("movbe {r" + s + "}, {m" + s + "}");
            t.add("movbe {m" + s + "}, {r" + s + "}");
        }
        t.add("cbw");
        t.add("cwde");
        t.add("cdqe");
        t.add("cwd");
        t.add("cdq");
        t.add("cqo");
        t.add("lahf");
        t.add("sahf");
        t.add("xlat");
    }

    private static void exchange(List<String> t) {
        for (String s : SIZES) {
            t.add("xchg {r" + s + "}, {r" + s + "}");
            t.add("xchg {m" + s + "}, {r" + s + "}");
            t.add("xadd {r" + s + "}, {r" + s + "}");
            t.add("xadd {m" + s + "}, {r" + s + "}");
            t.add("lock xadd {m" + s + "}, {r" + s + "}");
            t.add("cmpxchg {r" + s + "}, {r" + s + "}");
            t.add("cmpxchg {m" + s + "}, {r" + s + "}");
            t.add("mov {r" + s + ":x}, {m" + s + ":y}; cmpxchg {m" + s + ":y}, {r" + s + "}");
            t.add("lock add {m" + s + "}, {r" + s + "}");
        }
        t.add("xchg eax, {r32}");
        t.add("xchg rax, {r64}");
        t.add("xchg ax, {r16}");
        t.add("cmpxchg8b qword ptr [rbx + 0x40]");
        t.add("mov eax, [rbx + 0x40]; mov edx, [rbx + 0x44]; cmpxchg8b qword ptr [rbx + 0x40]");
        t.add("cmpxchg16b xmmword ptr [rbx + 0x80]");
        t.add("mov rax, [rbx + 0x80]; mov rdx, [rbx + 0x88]; lock cmpxchg16b xmmword ptr [rbx + 0x80]");
    }

    private static void stack(List<String> t) {
        t.add("push {r64}");
        t.add("push {r16}");
        t.add("push {m64}");
        t.add("push {m16}");
        t.add("push {i8}");
        t.add("push {i32}");
        t.add("pushw {i16}");
        t.add("pop {r64}");
        t.add("pop {r16}");
        t.add("pop {m64}");
        t.add("pop {m16}");
        t.add("push {r64:x}; pop {r64:x}");
        t.add("lea rbp, [rbx + 0x800]; enter {u8}, 0; leave");
        t.add("lea rbp, [rbx + 0x800]; enter {u8}, 1; leave");
        t.add("lea rbp, [rbx + 0x800]; enter 16, 3");
        t.add("lea rbp, [rbx + 0x800]; mov r8, rsp; enterw 8, 2; mov rsp, r8");
        t.add("lea rbp, [rbx + 0x800]; leave");
    }

    private static void control(List<String> t) {
        for (String cc : CONDITIONS) {
            t.add("j" + cc + " 1f; inc {r32}; 1:");
            t.add(".byte 0x0f, 0x" + Integer.toHexString(0x80 + ccIndex(cc)) + "; .long 3; inc {r64}; 1:");
        }
        t.add("jmp 1f; inc {r32}; 1:");
        t.add("jmp 1f; .fill 200, 1, 0x90; 1:");
        t.add("call 1f; jmp 2f; 1: ret; 2:");
        t.add("call 1f; jmp 2f; 1: ret 8; 2: sub rsp, 8");
        t.add("lea {r64:x}, [rip + 1f]; call {r64:x}; jmp 2f; 1: ret; 2:");
        t.add("lea {r64:x}, [rip + 1f]; jmp {r64:x}; inc {r32}; 1:");
        t.add("lea rax, [rip + 1f]; mov [rbx + 0x60], rax; jmp qword ptr [rbx + 0x60]; inc {r32}; 1:");
        t.add("lea rax, [rip + 1f]; mov [rbx + 0x60], rax; call qword ptr [rbx + 0x60]; jmp 2f; 1: ret; 2:");
        t.add("and ecx, 7; jrcxz 1f; 2: inc {r32}; loop 2b; 1:");
        t.add("and ecx, 7; inc ecx; 2: cmp {r32}, {r32}; loope 2b");
        t.add("and ecx, 7; inc ecx; 2: cmp {r32}, {r32}; loopne 2b");
        t.add("and ecx, 7; jecxz 1f; inc {r32}; 1:");
    }

    private static int ccIndex(String cc) {
        for (int i = 0; i < CONDITIONS.length; i++) {
            if (CONDITIONS[i].equals(cc)) {
                return i;
            }
        }
        throw new IllegalArgumentException(cc);
    }

    private static void strings(List<String> t) {
        String setup = "lea rsi, [rbx + 0x400]; lea rdi, [rbx + 0x900]; and ecx, 31; ";
        String[][] ops = {{"movs", "2"}, {"cmps", "2"}, {"stos", "1"}, {"lods", "1"}, {"scas", "1"}};
        for (String[] op : ops) {
            for (String suffix : new String[] {"b", "w", "d", "q"}) {
                String insn = op[0] + suffix;
                t.add(setup + insn);
                t.add(setup + "rep " + insn);
                if (op[0].equals("cmps") || op[0].equals("scas")) {
                    t.add(setup + "repne " + insn);
                    t.add("lea rsi, [rbx + 0x400]; lea rdi, [rbx + 0x400]; and ecx, 31; repe " + insn);
                }
            }
        }
    }

    /** Long repeated moves and stores: overlapping, crossing pages, at every element size, both directions. */
    private static void longStrings(List<String> t) {
        t.add("cld; lea rsi, [rbx + 0x400]; lea rdi, [rbx + 0x401]; and ecx, 255; rep movsb");
        t.add("cld; lea rsi, [rbx + 0x401]; lea rdi, [rbx + 0x400]; and ecx, 255; rep movsb");
        t.add("cld; lea rsi, [rbx + 0xf80]; lea rdi, [rbx - 0x3c]; mov ecx, 700; rep movsb");
        t.add("cld; lea rsi, [rbx - 0x7f8]; lea rdi, [rbx + 0xff0]; mov ecx, 300; rep movsq");
        t.add("cld; lea rdi, [rbx + 0xf81]; mov ecx, 600; rep stosw");
        t.add("cld; lea rdi, [rbx - 0x444]; mov ecx, 900; rep stosd");
        t.add("cld; lea rdi, [rbx + 0x3]; mov ecx, 1000; rep stosb");
        t.add("cld; lea rsi, [rbx + 0x10]; lea rdi, [rbx + 0x20]; mov ecx, 100; rep movsq");
        t.add("std; lea rsi, [rbx + 0x1f00]; lea rdi, [rbx + 0x1800]; mov ecx, 300; rep movsb; cld");
        t.add("std; lea rdi, [rbx + 0x1ff8]; mov ecx, 500; rep stosq; cld");
        // REP STOS whose element repeats one byte (a page cleared with STOSQ of 0) fills bytes.
        t.add("cld; lea rdi, [rbx + 0x10]; xor eax, eax; mov ecx, 600; rep stosq");
        t.add("cld; lea rdi, [rbx - 0x7f0]; mov rax, 0x4141414141414141; mov ecx, 700; rep stosq");
        t.add("cld; lea rdi, [rbx - 0x7f3]; mov rax, 0xff; mov ecx, 700; rep stosq");
        t.add("cld; lea rdi, [rbx + 0x8]; mov rax, 0x123456785a5a5a5a; mov ecx, 900; rep stosd");
        t.add("cld; lea rdi, [rbx + 0x6]; mov eax, 0x5a5a5a12; mov ecx, 900; rep stosd");
        t.add("cld; lea rdi, [rbx + 0x5]; mov eax, 0x12347f7f; mov ecx, 1000; rep stosw");
    }

    private static void bmi(List<String> t) {
        for (String s : new String[] {"32", "64"}) {
            t.add("andn {r" + s + "}, {r" + s + "}, {r" + s + "}");
            t.add("andn {r" + s + "}, {r" + s + "}, {m" + s + "}");
            t.add("bextr {r" + s + "}, {r" + s + "}, {r" + s + "}");
            t.add("bextr {r" + s + "}, {m" + s + "}, {r" + s + "}");
            for (String op : new String[] {"blsi", "blsmsk", "blsr"}) {
                t.add(op + " {r" + s + "}, {r" + s + "}");
                t.add(op + " {r" + s + "}, {m" + s + "}");
            }
            t.add("bzhi {r" + s + "}, {r" + s + "}, {r" + s + "}");
            t.add("pdep {r" + s + "}, {r" + s + "}, {r" + s + "}");
            t.add("pext {r" + s + "}, {r" + s + "}, {m" + s + "}");
            t.add("mulx {r" + s + "}, {r" + s + "}, {r" + s + "}");
            t.add("rorx {r" + s + "}, {r" + s + "}, {u5}");
            t.add("sarx {r" + s + "}, {r" + s + "}, {r" + s + "}");
            t.add("shlx {r" + s + "}, {m" + s + "}, {r" + s + "}");
            t.add("shrx {r" + s + "}, {r" + s + "}, {r" + s + "}");
        }
    }

    private static void misc(List<String> t) {
        t.add("clc");
        t.add("stc");
        t.add("cmc");
        t.add("cld");
        t.add("std");
        t.add("nop");
        t.add("nop dword ptr [rax + rax]");
        t.add("pause");
        t.add("prefetcht0 [rbx]");
        t.add("clflush [rbx + 0x40]");
        t.add("lfence");
        t.add("mfence");
        t.add("sfence");
    }
}

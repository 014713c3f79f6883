package jvisor.engine.emu;

import java.util.ArrayList;
import java.util.List;

/**
 * The catalog of MMX, SSE and SSE2 instruction forms for the differential tests, in the template
 * language of {@link InstructionPool}: every implemented opcode with register and memory
 * operands, MMX and XMM forms, scalar and packed, each immediate form with random immediates.
 * RCPPS/RSQRTPS are not here: they are approximations checked against their error bound.
 */
final class SimdForms {
    private SimdForms() { }

    static final String[] CMP = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"};

    static List<String> all() {
        List<String> t = new ArrayList<>();
        moves(t);
        integer(t);
        shuffles(t);
        floating(t);
        conversions(t);
        control(t);
        pageCrossing(t);
        if (NativeCpu.hasXsave()) {
            extendedSave(t);
        }
        return t;
    }

    /** Unaligned accesses across the page boundary at RBX + 0x1000 (the oracle maps pages out of order). */
    private static void pageCrossing(List<String> t) {
        t.add("movdqu {x}, xmmword ptr [rbx + 0xff9]");
        t.add("movups xmmword ptr [rbx + 0xffb], {x}");
        t.add("movsd {x}, qword ptr [rbx + 0xffc]");
        t.add("movhps qword ptr [rbx + 0xffd], {x}");
        t.add("movq {mm}, qword ptr [rbx + 0xffa]");
        t.add("addsd {x}, qword ptr [rbx + 0xffe]");
        t.add("cvtsi2sd {x}, qword ptr [rbx + 0xffb]");
        t.add("lea rdi, [rbx + 0xff7]; maskmovdqu {x}, {x}");
        t.add("fxsave64 [rbx + 0xf00]; mov dword ptr [rbx + 0xf1c], 0");
        t.add("fxsave64 [rbx + 0xf00]; pxor {x}, {x}; fxrstor64 [rbx + 0xf00]; mov dword ptr [rbx + 0xf1c], 0");
    }

    private static void moves(List<String> t) {
        for (String op : new String[] {"movups", "movupd", "movdqu"}) {
            t.add(op + " {x}, {x}");
            t.add(op + " {x}, {mx}");
            t.add(op + " {mx}, {x}");
        }
        for (String op : new String[] {"movaps", "movapd", "movdqa"}) {
            t.add(op + " {x}, {x}");
            t.add(op + " {x}, {m128}");
            t.add(op + " {m128}, {x}");
        }
        for (String op : new String[] {"movntps", "movntpd", "movntdq"}) {
            t.add(op + " {m128}, {x}");
        }
        t.add("movss {x}, {x}");
        t.add("movss {x}, {m32}");
        t.add("movss {m32}, {x}");
        t.add("movsd {x}, {x}");
        t.add("movsd {x}, {m64}");
        t.add("movsd {m64}, {x}");
        for (String op : new String[] {"movlps", "movhps", "movlpd", "movhpd"}) {
            t.add(op + " {x}, {m64}");
            t.add(op + " {m64}, {x}");
        }
        t.add("movhlps {x}, {x}");
        t.add("movlhps {x}, {x}");
        t.add("movmskps {r32}, {x}");
        t.add("movmskpd {r64}, {x}");
        t.add("movd {x}, {r32}");
        t.add("movd {x}, {m32}");
        t.add("movd {r32}, {x}");
        t.add("movd {m32}, {x}");
        t.add("movq {x}, {r64}");
        t.add("movq {r64}, {x}");
        t.add("movq {x}, {x}");
        t.add("movq {x}, {m64}");
        t.add("movq {m64}, {x}");
        t.add("movnti {m32}, {r32}");
        t.add("movnti {m64}, {r64}");
        t.add("lea rdi, [rbx + {u11}]; maskmovdqu {x}, {x}");
        t.add("movd {mm}, {r32}");
        t.add("movd {mm}, {m32}");
        t.add("movq {mm}, {r64}");
        t.add("movd {r32}, {mm}");
        t.add("movd {m32}, {mm}");
        t.add("movq {r64}, {mm}");
        t.add("movq {mm}, {mm}");
        t.add("movq {mm}, {m64}");
        t.add("movq {m64}, {mm}");
        t.add("movntq {m64}, {mm}");
        t.add("movq2dq {x}, {mm}");
        t.add("movdq2q {mm}, {x}");
        t.add("lea rdi, [rbx + {u11}]; maskmovq {mm}, {mm}");
        t.add("emms");
        t.add("movq {mm}, {mm}; emms");
    }

    static final String[] INTEGER = {"paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "paddsb",
        "paddsw", "paddusb", "paddusw", "psubsb", "psubsw", "psubusb", "psubusw", "pcmpeqb", "pcmpeqw", "pcmpeqd",
        "pcmpgtb", "pcmpgtw", "pcmpgtd", "pmullw", "pmulhw", "pmulhuw", "pmuludq", "pmaddwd", "psadbw", "pavgb",
        "pavgw", "pminub", "pmaxub", "pminsw", "pmaxsw", "pand", "pandn", "por", "pxor", "packsswb", "packuswb",
        "packssdw", "punpcklbw", "punpcklwd", "punpckldq", "punpckhbw", "punpckhwd", "punpckhdq", "psllw", "pslld",
        "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad"};

    private static void integer(List<String> t) {
        for (String op : INTEGER) {
            t.add(op + " {x}, {x}");
            t.add(op + " {x}, {m128}");
            t.add(op + " {mm}, {mm}");
            t.add(op + " {mm}, {m" + (op.startsWith("punpckl") ? "32" : "64") + "}");
        }
        for (String op : new String[] {"punpcklqdq", "punpckhqdq"}) {
            t.add(op + " {x}, {x}");
            t.add(op + " {x}, {m128}");
        }
        for (String op : new String[] {"psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad"}) {
            t.add(op + " {x}, {u8}");
            t.add(op + " {x}, {u6}");
            t.add(op + " {mm}, {u6}");
            t.add("and {r32:n}, 0x47; movd {x:c}, {r32:n}; " + op + " {x}, {x:c}");
            t.add("and {r32:n}, 0x47; movd {mm:c}, {r32:n}; " + op + " {mm}, {mm:c}");
        }
        t.add("pslldq {x}, {u5}");
        t.add("psrldq {x}, {u5}");
        t.add("pslldq {x}, {u8}");
        t.add("psrldq {x}, {u8}");
    }

    private static void shuffles(List<String> t) {
        t.add("pshufd {x}, {x}, {u8}");
        t.add("pshufd {x}, {m128}, {u8}");
        t.add("pshufhw {x}, {x}, {u8}");
        t.add("pshuflw {x}, {m128}, {u8}");
        t.add("pshufw {mm}, {mm}, {u8}");
        t.add("pshufw {mm}, {m64}, {u8}");
        t.add("shufps {x}, {x}, {u8}");
        t.add("shufps {x}, {m128}, {u8}");
        t.add("shufpd {x}, {x}, {u2}");
        t.add("shufpd {x}, {m128}, {u2}");
        for (String op : new String[] {"unpcklps", "unpckhps", "unpcklpd", "unpckhpd"}) {
            t.add(op + " {x}, {x}");
            t.add(op + " {x}, {m128}");
        }
        t.add("pinsrw {x}, {r32}, {u3}");
        t.add("pinsrw {x}, {m16}, {u8}");
        t.add("pextrw {r32}, {x}, {u8}");
        t.add("pinsrw {mm}, {r32}, {u8}");
        t.add("pextrw {r32}, {mm}, {u8}");
        t.add("pmovmskb {r32}, {x}");
        t.add("pmovmskb {r32}, {mm}");
    }

    private static void floating(List<String> t) {
        for (String op : new String[] {"add", "sub", "mul", "div", "min", "max", "sqrt"}) {
            for (String type : new String[] {"ps", "pd"}) {
                t.add(op + type + " {x}, {x}");
                t.add(op + type + " {x}, {m128}");
            }
            t.add(op + "ss {x}, {x}");
            t.add(op + "ss {x}, {m32}");
            t.add(op + "sd {x}, {x}");
            t.add(op + "sd {x}, {m64}");
        }
        for (String p : CMP) {
            t.add("cmp" + p + "ps {x}, {x}");
            t.add("cmp" + p + "pd {x}, {m128}");
            t.add("cmp" + p + "ss {x}, {m32}");
            t.add("cmp" + p + "sd {x}, {x}");
        }
        for (String op : new String[] {"comiss", "ucomiss"}) {
            t.add(op + " {x}, {x}");
            t.add(op + " {x}, {m32}");
        }
        for (String op : new String[] {"comisd", "ucomisd"}) {
            t.add(op + " {x}, {x}");
            t.add(op + " {x}, {m64}");
        }
        for (String op : new String[] {"and", "andn", "or", "xor"}) {
            t.add(op + "ps {x}, {x}");
            t.add(op + "pd {x}, {m128}");
        }
    }

    private static void conversions(List<String> t) {
        for (String d : new String[] {"ss", "sd"}) {
            t.add("cvtsi2" + d + " {x}, {r32}");
            t.add("cvtsi2" + d + " {x}, {r64}");
            t.add("cvtsi2" + d + " {x}, dword ptr [rbx + {u11}]");
            t.add("cvtsi2" + d + " {x}, qword ptr [rbx + {u11}]");
            for (String op : new String[] {"cvt", "cvtt"}) {
                t.add(op + d + "2si {r32}, {x}");
                t.add(op + d + "2si {r64}, {x}");
                t.add(op + d + "2si {r64}, {m" + (d.equals("ss") ? "32" : "64") + "}");
            }
        }
        t.add("cvtss2sd {x}, {x}");
        t.add("cvtss2sd {x}, {m32}");
        t.add("cvtsd2ss {x}, {x}");
        t.add("cvtsd2ss {x}, {m64}");
        t.add("cvtps2pd {x}, {x}");
        t.add("cvtps2pd {x}, {m64}");
        for (String op : new String[] {"cvtpd2ps", "cvtdq2ps", "cvtps2dq", "cvttps2dq", "cvtpd2dq", "cvttpd2dq"}) {
            t.add(op + " {x}, {x}");
            t.add(op + " {x}, {m128}");
        }
        t.add("cvtdq2pd {x}, {x}");
        t.add("cvtdq2pd {x}, {m64}");
        t.add("cvtpi2ps {x}, {mm}");
        t.add("cvtpi2ps {x}, {m64}");
        t.add("cvtpi2pd {x}, {mm}");
        t.add("cvtpi2pd {x}, {m64}");
        for (String op : new String[] {"cvtps2pi", "cvttps2pi"}) {
            t.add(op + " {mm}, {x}");
            t.add(op + " {mm}, {m64}");
        }
        for (String op : new String[] {"cvtpd2pi", "cvttpd2pi"}) {
            t.add(op + " {mm}, {x}");
            t.add(op + " {mm}, {m128}");
        }
    }

    /**
     * XSAVE and XRSTOR of x87 and SSE (EDX:EAX = 3, or 1 for x87 alone) at RBX + 0x200. XSTATE_BV
     * is overwritten after each save: whether a component in its initial configuration counts as
     * in use is each processor's choice, and the host's XCR0 enables more components than emu has.
     * The restores set it to 3, 0 (both components initial) or 1 (SSE initial, MXCSR loaded).
     */
    private static void extendedSave(List<String> t) {
        String noMask = "; mov dword ptr [rbx + 0x21c], 0";
        String both = "mov eax, 3; xor edx, edx; ";
        t.add(both + "xsave64 [rbx + 0x200]; mov qword ptr [rbx + 0x400], 3" + noMask);
        t.add(both + "xsave [rbx + 0x200]; mov qword ptr [rbx + 0x400], 3" + noMask);
        t.add("mov eax, 1; xor edx, edx; xsave64 [rbx + 0x200]; mov qword ptr [rbx + 0x400], 3" + noMask);
        for (int bv : new int[] {3, 0, 1}) {
            String header = "; mov qword ptr [rbx + 0x400], " + bv
                    + "; mov qword ptr [rbx + 0x408], 0; mov qword ptr [rbx + 0x410], 0; ";
            t.add(both + "xsave64 [rbx + 0x200]" + header + "pcmpeqb {x}, {x}; fninit; xrstor64 [rbx + 0x200]" + noMask);
            t.add(both + "xsave [rbx + 0x200]" + header + "fld1; xrstor [rbx + 0x200]" + noMask);
        }
    }

    private static void control(List<String> t) {
        t.add("stmxcsr [rbx + {u11}]");
        t.add("mov dword ptr [rbx + 0x40], {i32}; and dword ptr [rbx + 0x40], 0xe07f; "
                + "or dword ptr [rbx + 0x40], 0x1f80; ldmxcsr [rbx + 0x40]");
        // MXCSR_MASK (image offset 28) is model-specific (AMD adds MM, bit 17): cleared before comparing.
        String noMask = "; mov dword ptr [rbx + 0x21c], 0";
        t.add("fxsave64 [rbx + 0x200]" + noMask);
        t.add("fxsave [rbx + 0x200]" + noMask);
        t.add("fxsave64 [rbx + 0x200]; pxor {x}, {x}; fxrstor64 [rbx + 0x200]" + noMask);
        t.add("fxsave [rbx + 0x200]; pcmpeqb {x}, {x}; fxrstor [rbx + 0x200]" + noMask);
    }
}

package jvisor.engine.emu;

import java.util.ArrayList;
import java.util.List;

/**
 * The catalog of x87 instruction forms for the differential tests, in the template language of
 * {@link InstructionPool}. {@link #single()} holds one waiting instruction per template, so it
 * can also run with exceptions unmasked (the host only takes #MF at the next waiting
 * instruction, which these never reach). The transcendental instructions are in
 * {@link X87TranscendentalTest}, compared within their error bound.
 */
final class X87Forms {
    private X87Forms() { }

    static final String[] ARITH = {"fadd", "fmul", "fsub", "fsubr", "fdiv", "fdivr"};
    static final String[] CMOV = {"fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe",
        "fcmovnu"};

    static List<String> all() {
        List<String> t = new ArrayList<>(single());
        t.addAll(sequences());
        return t;
    }

    static List<String> single() {
        List<String> t = new ArrayList<>();
        loads(t);
        arithmetic(t);
        compares(t);
        t.add("fchs");
        t.add("fabs");
        t.add("fsqrt");
        t.add("frndint");
        t.add("fscale");
        t.add("fxtract");
        t.add("fprem");
        t.add("fprem1");
        t.add("fincstp");
        t.add("fdecstp");
        t.add("fnop");
        t.add("ffree {st}");
        t.add("ffreep {st}");
        t.add("fxch {st}");
        return t;
    }

    private static void loads(List<String> t) {
        for (String m : new String[] {"{m32}", "{m64}", "{m80}", "{st}"}) {
            t.add("fld " + m);
        }
        for (String m : new String[] {"{m32}", "{m64}", "{st}"}) {
            t.add("fst " + m);
            t.add("fstp " + m);
        }
        t.add("fstp {m80}");
        for (String m : new String[] {"{m16}", "{m32}", "{m64}"}) {
            t.add("fild " + m);
            t.add("fistp " + m);
            t.add("fisttp " + m);
        }
        t.add("fist {m16}");
        t.add("fist {m32}");
        t.add("fbld {m80}");
        t.add("fbstp {m80}");
        for (String k : new String[] {"fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz"}) {
            t.add(k);
        }
    }

    private static void arithmetic(List<String> t) {
        for (String op : ARITH) {
            t.add(op + " st, {st}");
            t.add(op + " {st}, st");
            t.add(op + "p {st}, st");
            t.add(op + " {m32}");
            t.add(op + " {m64}");
            t.add("fi" + op.substring(1) + " {m16}");
            t.add("fi" + op.substring(1) + " {m32}");
        }
    }

    private static void compares(List<String> t) {
        for (String op : new String[] {"fcom", "fcomp"}) {
            t.add(op + " {st}");
            t.add(op + " {m32}");
            t.add(op + " {m64}");
            t.add("fi" + op.substring(1) + " {m16}");
            t.add("fi" + op.substring(1) + " {m32}");
        }
        t.add("fucom {st}");
        t.add("fucomp {st}");
        t.add("fcompp");
        t.add("fucompp");
        t.add("fcomi st, {st}");
        t.add("fcomip st, {st}");
        t.add("fucomi st, {st}");
        t.add("fucomip st, {st}");
        t.add("ftst");
        t.add("fxam");
        for (String op : CMOV) {
            t.add(op + " st, {st}");
        }
    }

    /** Forms that need a prepared state or combine control instructions. */
    private static List<String> sequences() {
        List<String> t = new ArrayList<>();
        t.add("fnstsw ax");
        t.add("fnstsw {m16}");
        t.add("fnstcw {m16}");
        t.add("fnclex");
        t.add("fninit");
        t.add("fwait");
        t.add("mov word ptr [rbx + 0x40], {i16}; or word ptr [rbx + 0x40], 0x3f; fldcw [rbx + 0x40]");
        t.add("fnstenv [rbx + 0x100]");
        t.add(".byte 0x66; fnstenv [rbx + 0x100]");
        t.add("fnstenv [rbx + 0x100]; fldenv [rbx + 0x100]");
        t.add("fnstenv [rbx + 0x100]; fld1; fldenv [rbx + 0x100]");
        t.add("fnsave [rbx + 0x100]");
        t.add(".byte 0x66; fnsave [rbx + 0x100]");
        t.add("fnsave [rbx + 0x100]; frstor [rbx + 0x100]");
        t.add("fnsave [rbx + 0x100]; fldpi; frstor [rbx + 0x100]");
        t.add(".byte 0x66; fnsave [rbx + 0x100]; fldz; .byte 0x66; frstor [rbx + 0x100]");
        // Loaded control and status words: reserved control bits drop, ES follows the unmasked flags.
        t.add("fnstenv [rbx + 0x100]; mov word ptr [rbx + 0x100], {i16}; fldenv [rbx + 0x100]");
        t.add("fnstenv [rbx + 0x100]; mov word ptr [rbx + 0x104], {i16}; fldenv [rbx + 0x100]");
        t.add("fnsave [rbx + 0x100]; mov word ptr [rbx + 0x104], {i16}; frstor [rbx + 0x100]");
        t.add("fnsave [rbx + 0x100]; mov word ptr [rbx + 0x108], {i16}; frstor [rbx + 0x100]");
        t.add("fxsave64 [rbx + 0x200]; mov dword ptr [rbx + 0x200], {i32}; fxrstor64 [rbx + 0x200]; "
                + "mov dword ptr [rbx + 0x21c], 0");
        t.add("fninit; fld {m64}; fld {m64}; faddp st(1), st; fstp {m64}");
        t.add("fninit; fild {m32}; fild {m32}; fmulp st(1), st; fistp {m64}");
        t.add("fninit; fld {m80}; fld {m80}; fprem; fstp {m80}; fstp {m80}");
        t.add("fninit; fld {m64}; fld {m64}; fxch st(1); fcomip st, st(1); fstp st(0)");
        t.add("fld {m64}; fld st(0); fmul st, st(0); fsqrt; fstp {m64}");
        t.add("fninit; fld1; fld1; fadd st, st(0); fdivp st(1), st; fstp {m80}");
        t.add("fldz; fld1; fdiv st, st(1); fstp {m80}");
        t.add("fninit; fldpi; frndint; fistp {m32}");
        t.add("movq {mm}, {mm}; emms; fld1");
        t.add("fxsave64 [rbx + 0x200]; fld1; fxrstor64 [rbx + 0x200]; mov dword ptr [rbx + 0x21c], 0");
        // Across the page boundary at RBX + 0x1000.
        t.add("fld tbyte ptr [rbx + 0xffa]");
        t.add("fstp tbyte ptr [rbx + 0xff9]");
        t.add("fbstp tbyte ptr [rbx + 0xffb]");
        t.add("fnsave [rbx + 0xfc0]; frstor [rbx + 0xfc0]");
        t.add("fnstenv [rbx + 0xff0]; fldenv [rbx + 0xff0]");
        t.add("fadd qword ptr [rbx + 0xffd]");
        return t;
    }
}

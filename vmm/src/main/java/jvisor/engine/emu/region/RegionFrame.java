package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Mmu;

/**
 * The local variables of a region's method and how it reaches the guest state. The state stays
 * where the interpreter keeps it, the register array and the {@link Flags} object, and is read
 * and written there instruction by instruction: nothing is live across the calls of the slow
 * paths, so HotSpot compiles a region without spilling, and a fault finds the state exactly as
 * the last completed instruction left it. Locals hold the processor's parts and temporaries.
 */
final class RegionFrame {
    static final ClassDesc CD_CPU = ClassDesc.of(Cpu.class.getName());
    static final ClassDesc CD_MMU = ClassDesc.of(Mmu.class.getName());
    static final ClassDesc CD_FLAGS = ClassDesc.of(Flags.class.getName());
    static final ClassDesc CD_LONGS = CD_long.arrayType();
    static final ClassDesc CD_OPS = ClassDesc.of(RegionOps.class.getName());
    private static final MethodTypeDesc MTD_SET = MethodTypeDesc.of(CD_void, CD_LONGS, CD_int, CD_long);
    private static final MethodTypeDesc MTD_GET8 = MethodTypeDesc.of(CD_long, CD_LONGS, CD_int);

    static final int THIS = 0;
    static final int CPU = 1;
    static final int REGS = 2;
    static final int MMU = 3;
    static final int FLAGS = 4;
    /** Instructions completed in the blocks before the current one. */
    static final int DONE = 5;
    /** Index of the instruction that may fault next (for {@link CompiledRegion#faulted}). */
    static final int AT = 6;
    /** Branches back the region may still take before it returns to the dispatcher. */
    static final int BUDGET = 7;
    /** The fault being rethrown, in the handler. */
    static final int FAULT = 8;
    static final int EXIT_RIP = 9;
    static final int T0 = 11;
    /** The linear address of a read-modify-write. */
    static final int LIN = 13;

    /** Branches back per run: a spinning region still returns now and then. */
    static final int BACK_BRANCHES = 1 << 16;

    final CodeBuilder code;

    RegionFrame(CodeBuilder code) {
        this.code = code;
    }

    void prologue() {
        code.aload(CPU).invokevirtual(CD_CPU, "registers", MethodTypeDesc.of(CD_LONGS)).astore(REGS);
        code.aload(CPU).getfield(CD_CPU, "mmu", CD_MMU).astore(MMU);
        code.aload(CPU).getfield(CD_CPU, "flags", CD_FLAGS).astore(FLAGS);
        code.iconst_0().istore(DONE).iconst_0().istore(AT).loadConstant(BACK_BRANCHES).istore(BUDGET);
        code.lconst_0().lstore(EXIT_RIP).lconst_0().lstore(T0).lconst_0().lstore(LIN);
    }

    /** Pushes register {@code n} at {@code size} bytes, zero-extended (16-19: AH, CH, DH, BH). */
    void loadReg(int n, int size) {
        if (size == 1) {
            code.aload(REGS).loadConstant(n).invokestatic(CD_OPS, "get8", MTD_GET8);
            return;
        }
        code.aload(REGS).loadConstant(n).laload();
        mask(size);
    }

    /** Writes the long that {@code value} pushes to register {@code n} at {@code size} bytes, as the processor does. */
    void storeReg(int n, int size, Runnable value) {
        code.aload(REGS).loadConstant(n);
        value.run();
        switch (size) {
            case 8 -> code.lastore();
            case 4 -> code.loadConstant(0xFFFF_FFFFL).land().lastore();
            case 2 -> code.invokestatic(CD_OPS, "set16", MTD_SET);
            default -> code.invokestatic(CD_OPS, "set8", MTD_SET);
        }
    }

    /** Masks the long on the stack to {@code size} bytes. */
    void mask(int size) {
        if (size < 8) {
            code.loadConstant(size == 4 ? 0xFFFF_FFFFL : size == 2 ? 0xFFFFL : 0xFFL).land();
        }
    }

    /** Sign-extends the low {@code size} bytes of the long on the stack. */
    void signExtend(int size) {
        switch (size) {
            case 4 -> code.l2i().i2l();
            case 2 -> code.l2i().i2s().i2l();
            case 1 -> code.l2i().i2b().i2l();
            default -> { }
        }
    }

    /** Marks instruction {@code index} as the one a fault would come from. */
    void at(int index) {
        code.loadConstant(index).istore(AT);
    }
}

package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.CpuFault;
import jvisor.engine.emu.cpu.Flags;
import jvisor.engine.emu.cpu.Mmu;

/**
 * The local variables of a region's method and how it reaches the guest state. The general
 * registers the region uses live in locals while it runs, loaded from the processor's array on
 * entry and written back on every exit, around every handler call and in the fault handler:
 * HotSpot then keeps them in machine registers across the guest instructions. A region for C1
 * keeps only the registers it uses often; the others it reads and writes in the array where it
 * uses them ({@link RegionCompiler#keepRatio(int)}). Each instruction changes registers only after
 * whatever may fault, so the state a fault finds is that before the faulting instruction. The
 * lazy flags stay in the {@link Flags} object. Register accesses, sign extension and narrow
 * writes are bytecode of their own rather than calls: HotSpot's first tier (C1), which runs most
 * regions, inlines almost nothing.
 */
final class RegionFrame {
    static final ClassDesc CD_CPU = ClassDesc.of(Cpu.class.getName());
    static final ClassDesc CD_MMU = ClassDesc.of(Mmu.class.getName());
    static final ClassDesc CD_FLAGS = ClassDesc.of(Flags.class.getName());
    static final ClassDesc CD_FAULT = ClassDesc.of(CpuFault.class.getName());
    static final ClassDesc CD_LONGS = CD_long.arrayType();
    static final ClassDesc CD_OPS = ClassDesc.of(RegionOps.class.getName());
    private static final MethodTypeDesc MTD_FAULT = MethodTypeDesc.of(CD_FAULT, CD_int, CD_int);

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
    /** A value on its way to memory or a register. */
    static final int T0 = 11;
    /** A linear address (of a read-modify-write, of the stack slot). */
    static final int LIN = 13;
    /**
     * The operands and result of the last instruction that set the flags, sign-extended: a
     * condition tested in the same block reads them here instead of from the {@link Flags} object.
     */
    static final int A = 15;
    static final int B = 17;
    static final int R = 19;
    /** A shift count (an int). */
    static final int COUNT = 21;
    /** The first of the sixteen general registers' locals (longs: two slots each). */
    private static final int GPR = 22;
    /**
     * 1 while a handler runs: the processor's array holds the registers, and a fault the handler
     * raises must find them as it left them (a REP string instruction's completed iterations).
     */
    static final int IN_ARRAY = GPR + 32;
    /** The current privilege level's TLB ({@link Mmu#tlb()}), and the index of an entry's tag in it. */
    static final int TLB = IN_ARRAY + 1;
    static final int IDX = TLB + 1;
    /** A linear address being read (long). */
    static final int ADDR = IDX + 1;
    /**
     * -1, or how to set the flags that an instruction left out ({@link FlagLiveness#seenOnTheWay})
     * should a fault or an exit come before the instruction that overwrites them: the
     * {@link Flags} kind of operands A, B and result R, or {@link RegionOps#SHIFTED} and the
     * shift of the value in A ({@link RegionOps#settle}).
     */
    static final int PENDING = ADDR + 2;
    /** A long on its way into the processor's register array ({@link #inArray(int)}). */
    private static final int TO_ARRAY = PENDING + 1;

    /** Branches back per run: a spinning region still returns now and then. */
    static final int BACK_BRANCHES = 1 << 16;
    /** A branch back asks whether the processor may continue once in this many (a power of two dividing {@link #BACK_BRANCHES}). */
    static final int CHECK_EVERY = 16;

    final CodeBuilder code;
    /**
     * Whether memory accesses look the TLB up in the region's own bytecode (regions for C2, which
     * then keeps the arrays in registers and folds the RAM's address and size) rather than calling
     * the MMU (regions for C1, which would not inline the segment access well).
     */
    final boolean inlineTlb;
    /** The region's class, with the static final RAM ({@link jvisor.engine.emu.cpu.HostRam}) of {@link #inlineTlb}. */
    final ClassDesc self;

    /**
     * The registers the region keeps in locals (bit n: register n), loaded on entry and after a
     * handler, and those of them it may change, written back on an exit, before a handler and in
     * the fault handler. The rest are read and written in the processor's array, always current.
     */
    private final int kept;
    private final int changed;
    /** The registers the emitted code writes: the mask of those to write back, for the final emission. */
    private int written;
    /** How often the emitted code reads or writes each register (in a first emission). */
    private final int[] uses = new int[16];

    /**
     * A frame that keeps registers {@code kept} in locals, of which it writes back {@code changed};
     * a first emission with all sixteen finds the masks ({@link #touched()}, {@link #written()}).
     */
    RegionFrame(CodeBuilder code, boolean inlineTlb, ClassDesc self, int kept, int changed) {
        this.code = code;
        this.inlineTlb = inlineTlb;
        this.self = self;
        this.kept = kept;
        this.changed = changed & kept;
    }

    /** Every register (a first emission, before the masks are known). */
    static final int ALL_REGISTERS = 0xFFFF;

    /** The registers the emitted code reads or writes. */
    int touched() {
        int touched = 0;
        for (int n = 0; n < 16; n++) {
            if (uses[n] != 0) {
                touched |= 1 << n;
            }
        }
        return touched;
    }

    int written() {
        return written;
    }

    /** How often the code read or wrote register {@code n}. */
    int uses(int n) {
        return uses[n];
    }

    private boolean inArray(int n) {
        return (kept & (1 << n)) == 0;
    }

    private void use(int n) {
        uses[n]++;
    }

    void prologue() {
        code.aload(CPU).invokevirtual(CD_CPU, "registers", MethodTypeDesc.of(CD_LONGS)).astore(REGS);
        reload();
        code.aload(CPU).getfield(CD_CPU, "mmu", CD_MMU).astore(MMU);
        code.aload(CPU).getfield(CD_CPU, "flags", CD_FLAGS).astore(FLAGS);
        code.iconst_0().istore(DONE).iconst_0().istore(AT).loadConstant(BACK_BRANCHES).istore(BUDGET);
        for (int local : new int[] {EXIT_RIP, T0, LIN, A, B, R}) {
            code.lconst_0().lstore(local);
        }
        code.iconst_0().istore(COUNT).iconst_0().istore(IN_ARRAY).iconst_0().istore(IDX).lconst_0().lstore(ADDR);
        code.iconst_m1().istore(PENDING);
        if (inlineTlb) {
            // Only a region that looks the TLB up itself reads these: short runs pay for the prologue.
            code.aload(MMU).invokevirtual(CD_MMU, "tlb", MethodTypeDesc.of(CD_LONGS)).astore(TLB);
        }
    }

    /** Writes the registers' locals back to the processor (before it leaves or calls a handler). */
    void flush() {
        for (int n = 0; n < 16; n++) {
            if ((changed & (1 << n)) != 0) {
                code.aload(REGS).loadConstant(n).lload(GPR + 2 * n).lastore();
            }
        }
    }

    /** Loads the registers' locals from the processor (on entry, after a handler). */
    void reload() {
        for (int n = 0; n < 16; n++) {
            if ((kept & (1 << n)) != 0) {
                code.aload(REGS).loadConstant(n).laload().lstore(GPR + 2 * n);
            }
        }
    }

    /** Pushes all 64 bits of register {@code n} (0-15). */
    void loadReg64(int n) {
        use(n);
        if (inArray(n)) {
            code.aload(REGS).loadConstant(n).laload();
        } else {
            code.lload(GPR + 2 * n);
        }
    }

    /** Stores the long on the stack as all 64 bits of register {@code n} (0-15). */
    void storeReg64(int n) {
        use(n);
        written |= 1 << n;
        if (inArray(n)) {
            code.lstore(TO_ARRAY).aload(REGS).loadConstant(n).lload(TO_ARRAY).lastore();
        } else {
            code.lstore(GPR + 2 * n);
        }
    }

    /** The register of {@code n} at {@code size} bytes (16-19 are AH, CH, DH, BH, in RAX to RBX). */
    private static int register(int n, int size) {
        return size == 1 && n >= 16 ? n - 16 : n;
    }

    private static boolean high(int n, int size) {
        return size == 1 && n >= 16;
    }

    /** Pushes register {@code n} at {@code size} bytes, zero-extended. */
    void loadReg(int n, int size) {
        loadReg64(register(n, size));
        if (high(n, size)) {
            code.bipush(8).lushr();
        }
        mask(size);
    }

    /** Pushes register {@code n} at {@code size} bytes, sign-extended. */
    void loadRegSigned(int n, int size) {
        loadReg64(register(n, size));
        if (high(n, size)) {
            code.bipush(8).lushr();
        }
        signExtend(size);
    }

    /**
     * Writes the long that {@code value} pushes to register {@code n} at {@code size} bytes, as
     * the processor does: 4 bytes clear the upper half, 1 and 2 keep the rest.
     */
    void storeReg(int n, int size, Runnable value) {
        int r = register(n, size);
        if (size < 4) {
            long keep = high(n, size) ? ~0xFF00L : size == 2 ? ~0xFFFFL : ~0xFFL;
            loadReg64(r);
            code.loadConstant(keep).land();
            value.run();
            mask(size);
            if (high(n, size)) {
                code.bipush(8).lshl();
            }
            code.lor();
        } else {
            value.run();
            mask(size);
        }
        storeReg64(r);
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

    /** Sets the flags an instruction left out, if a fault or an exit can see them now ({@link #PENDING}). */
    void settle() {
        Label none = code.newLabel();
        code.iload(PENDING).iflt(none);
        code.aload(CPU).iload(PENDING).lload(A).lload(B).lload(R).invokestatic(CD_OPS, "settle",
                MethodTypeDesc.of(CD_void, CD_CPU, CD_int, CD_long, CD_long, CD_long));
        code.labelBinding(none);
    }

    /** Throws the guest fault {@code vector} with error code 0 (#GP(0), #SS(0)). */
    void raise(int vector) {
        code.aload(CPU).loadConstant(vector).iconst_0().invokevirtual(CD_CPU, "fault", MTD_FAULT).athrow();
    }

    /** Marks instruction {@code index} as the one a fault would come from. */
    void at(int index) {
        code.loadConstant(index).istore(AT);
    }
}

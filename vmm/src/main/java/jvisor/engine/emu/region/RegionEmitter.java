package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;
import static jvisor.engine.emu.region.RegionFrame.BUDGET;
import static jvisor.engine.emu.region.RegionFrame.CD_CPU;
import static jvisor.engine.emu.region.RegionFrame.CD_FAULT;
import static jvisor.engine.emu.region.RegionFrame.CD_MMU;
import static jvisor.engine.emu.region.RegionFrame.CPU;
import static jvisor.engine.emu.region.RegionFrame.DONE;
import static jvisor.engine.emu.region.RegionFrame.EXIT_RIP;
import static jvisor.engine.emu.region.RegionFrame.FAULT;
import static jvisor.engine.emu.region.RegionFrame.MMU;
import static jvisor.engine.emu.region.RegionFrame.THIS;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jvisor.engine.emu.cpu.CodePages;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;

/**
 * Writes a region's {@code run} method: the blocks one after the other, each instruction either
 * compiled ({@link DataForms}, {@link ControlForms}) or a call to its handler; branches to the
 * region's own blocks as jumps (a branch back first asks whether the processor may continue);
 * exits that set RIP; one fault handler that says which instruction faulted. Rare paths (exits,
 * raising #GP or #SS) are placed after the blocks, so the blocks read as straight-line code.
 */
final class RegionEmitter {
    static final ClassDesc CD_OP = ClassDesc.of(Op.class.getName());
    static final ClassDesc CD_INSN = ClassDesc.of(Insn.class.getName());
    static final ClassDesc CD_PAGES = ClassDesc.of(CodePages.class.getName());
    private static final MethodTypeDesc MTD_EXEC = MethodTypeDesc.of(CD_void, CD_CPU, CD_INSN);
    private static final MethodTypeDesc MTD_SET_RIP = MethodTypeDesc.of(CD_void, CD_long);
    private static final MethodTypeDesc MTD_FAULTED = MethodTypeDesc.of(CD_void, CD_CPU, CD_int, CD_int);

    /**
     * The line numbers of a region's method, which a profiler (JFR) reports: where the guest state
     * is loaded, where it is written back on an exit, the fault handler, the rare paths placed
     * after the blocks, and for the code of each guest instruction its opcode plus
     * {@link #LINE_OPCODE} (so samples say which kinds of instructions the time goes to).
     */
    static final int LINE_PROLOGUE = 1;
    static final int LINE_EXIT = 2;
    static final int LINE_FAULT = 3;
    static final int LINE_OUT_OF_LINE = 4;
    static final int LINE_OPCODE = 16;

    private final RegionPlan plan;
    private final ClassDesc self;
    private final CodeBuilder code;
    private final RegionFrame f;
    private final Map<Insn, Integer> handlers;
    private final Map<Long, Integer> blockAt = new HashMap<>();
    private final Label[] starts;
    private final Label exit;
    private final Label exitWithRip;
    private final Map<Long, Label> exits = new HashMap<>();
    private final Map<Integer, Label> raises = new HashMap<>();
    private final List<Runnable> outOfLine = new ArrayList<>();
    private final List<Long> returnPoints;
    /**
     * For each block, the position of the instruction whose flags only the block's closing Jcc
     * reads (from locals A, B and R) before every successor overwrites them, or -1
     * ({@link FlagLiveness#deadAcrossBlocks}); and whether a block may be entered with such
     * flags pending, to be settled until its first instruction that overwrites them.
     */
    private final int[] deadAcross;
    private final boolean[] enteredPending;

    private int index;
    private int block;
    private int position;
    private Insn current;
    private Insn[] currentBlock;
    /** The {@link jvisor.engine.emu.cpu.Flags} kind whose operands locals A, B and R hold, or -1. */
    private int flagsKnown = -1;
    /** What the current instruction puts in {@link RegionFrame#PENDING} once done, or -1. */
    private int pendingCode = -1;
    private int pendingUntil = -1;
    /** The position in the block of the instruction that overwrites the pending flags, or -1. */
    private int overwriter = -1;

    RegionEmitter(RegionPlan plan, ClassDesc self, CodeBuilder code, Map<Insn, Integer> handlers, boolean forC2,
                  int kept, int changed) {
        this.plan = plan;
        this.self = self;
        this.code = code;
        this.f = new RegionFrame(code, forC2, self, kept, changed);
        this.handlers = handlers;
        this.starts = new Label[plan.blocks().size()];
        for (int b = 0; b < starts.length; b++) {
            starts[b] = code.newLabel();
            blockAt.putIfAbsent(plan.blocks().get(b)[0].rip(), b);
        }
        this.exit = code.newLabel();
        this.exitWithRip = code.newLabel();
        this.returnPoints = returnPoints(plan, blockAt);
        this.deadAcross = new int[starts.length];
        this.enteredPending = new boolean[starts.length];
        for (int b = 0; b < starts.length; b++) {
            Insn[] insns = plan.blocks().get(b);
            deadAcross[b] = FlagLiveness.deadAcrossBlocks(insns, rip -> {
                Integer s = blockAt.get(rip);
                return s == null ? null : plan.blocks().get(s);
            });
            if (deadAcross[b] >= 0) {
                for (Integer s : new Integer[] {blockAt.get(insns[insns.length - 1].nextRip()),
                        blockAt.get(insns[insns.length - 1].imm2())}) {
                    if (s != null) {
                        enteredPending[s] = true;
                    }
                }
            }
        }
    }

    RegionFrame frame() {
        return f;
    }

    void emit() {
        Label start = code.newLabel();
        Label end = code.newLabel();
        Label handler = code.newLabel();
        code.lineNumber(LINE_PROLOGUE);
        f.prologue();
        code.labelBinding(start);
        for (block = 0; block < starts.length; block++) {
            code.labelBinding(starts[block]);
            // A block may be reached from elsewhere in the region: nothing is known of the flags.
            flagsKnown = -1;
            // Flags a predecessor left pending stay so until the block overwrites them.
            overwriter = enteredPending[block] ? FlagLiveness.overwrittenAt(plan.blocks().get(block), -1, true) : -1;
            emitBlock(plan.blocks().get(block));
        }
        for (int k = 0; k < outOfLine.size(); k++) {
            code.lineNumber(LINE_OUT_OF_LINE);
            outOfLine.get(k).run();
        }
        code.labelBinding(end);
        code.labelBinding(exit);
        code.lineNumber(LINE_EXIT);
        f.flush();
        f.settle();
        code.aload(CPU).lload(EXIT_RIP).invokevirtual(CD_CPU, "setRip", MTD_SET_RIP);
        code.labelBinding(exitWithRip);
        code.iload(DONE).ireturn();
        code.labelBinding(handler);
        code.lineNumber(LINE_FAULT);
        code.astore(FAULT);
        Label flushed = code.newLabel();
        code.iload(RegionFrame.IN_ARRAY).ifne(flushed);
        f.flush();
        f.settle();
        code.labelBinding(flushed);
        code.aload(THIS).aload(CPU).iload(RegionFrame.AT).iload(DONE)
                .invokevirtual(ClassDesc.of(CompiledRegion.class.getName()), "faulted", MTD_FAULTED);
        code.aload(FAULT).athrow();
        code.exceptionCatch(start, end, handler, CD_FAULT);
    }

    private void emitBlock(Insn[] insns) {
        currentBlock = insns;
        for (position = 0; position < insns.length; position++, index++) {
            Insn x = insns[position];
            current = x;
            code.lineNumber(LINE_OPCODE + x.opcode());
            boolean last = position == insns.length - 1;
            if (last && ControlForms.supportsBranch(x)) {
                ControlForms.emitBranch(this, x);
                continue;
            }
            if (DataForms.supports(x)) {
                DataForms.emit(this, x);
            } else if (ArithmeticForms.supports(x)) {
                ArithmeticForms.emit(this, x);
            } else if (ControlForms.supportsStack(x)) {
                ControlForms.emitStack(this, x);
            } else if (last && x.endsBlock()) {
                callHandler(x, true);
                continue;
            } else {
                callHandler(x, false);
            }
            updatePending();
            if (last) {
                completeBlock();
                edge(x.nextRip());
            }
        }
    }

    /**
     * Runs instruction {@code x} through its handler. A handler that ends the block set RIP
     * itself, and the region ends there; otherwise the region continues unless it overwrote code.
     */
    private void callHandler(Insn x, boolean ends) {
        int k = handlers.get(x);
        mayFault();
        f.flush();
        code.iconst_1().istore(RegionFrame.IN_ARRAY);
        if (ends) {
            code.aload(CPU).loadConstant(x.nextRip()).invokevirtual(CD_CPU, "setRip", MTD_SET_RIP);
        }
        code.getstatic(self, "o" + k, CD_OP).aload(CPU).getstatic(self, "i" + k, CD_INSN)
                .invokeinterface(CD_OP, "exec", MTD_EXEC);
        flagsKnown = -1;
        if (ends) {
            code.iinc(DONE, position + 1).goto_(exitWithRip);
            return;
        }
        f.reload();
        code.iconst_0().istore(RegionFrame.IN_ARRAY);
        code.aload(CPU).getfield(CD_CPU, "codeWritten", CD_boolean);
        leaveIfCodeWritten();
    }

    /** The flags now come from an operation of {@code kind} whose operands are in locals A, B, R. */
    void flagsKnown(int kind) {
        flagsKnown = kind;
    }

    /** The flags now come from something the locals do not hold. */
    void flagsUnknown() {
        flagsKnown = -1;
    }

    int flagsKnown() {
        return flagsKnown;
    }

    /**
     * Whether the current instruction may leave out the flags it writes, because its block
     * overwrites them before anything reads them ({@link FlagLiveness}): CF and OF only, or with
     * {@code all} all six. Where a fault or an exit on the way could see them, they are set then
     * from {@code settle} ({@link RegionFrame#PENDING}), which the current instruction must have
     * made good by its end: the kind of locals A, B and R, or a {@link RegionOps#shifted} of A.
     */
    boolean flagsDead(boolean all, int settle) {
        int q = FlagLiveness.overwrittenAt(currentBlock, position, all);
        if (q < 0) {
            return false;
        }
        if (FlagLiveness.seenOnTheWay(currentBlock, position, q)) {
            pendingCode = settle;
            pendingUntil = q;
        }
        return true;
    }

    /**
     * Whether the current instruction may leave out the CF and OF it writes (and nothing else)
     * because its block overwrites them before anything reads them, and nothing on the way, not
     * even a fault, could see them: there is then nothing to settle.
     */
    boolean carryAndOverflowUnseen() {
        return FlagLiveness.unseen(currentBlock, position, false);
    }

    /** As {@link #carryAndOverflowUnseen}, for an instruction that writes all six arithmetic flags. */
    boolean flagsUnseen() {
        return FlagLiveness.unseen(currentBlock, position, true);
    }

    /**
     * Whether the current instruction, an operation of {@code kind} on locals A, B (result R), may
     * leave its flags out because only the block's closing Jcc reads them, from those locals, and
     * every successor overwrites them first ({@link FlagLiveness#deadAcrossBlocks}). They stay
     * pending ({@link RegionFrame#PENDING}) for an exit or a fault until then.
     */
    boolean flagsDeadAcrossBlocks(int kind) {
        if (position != deadAcross[block]
                || !Conditions.answers(kind, currentBlock[currentBlock.length - 1].opcode() >> 1 & 7)) {
            return false;
        }
        pendingCode = kind;
        pendingUntil = -1;
        return true;
    }

    /**
     * After an instruction: marks the flags it left out as pending, or, where it overwrote
     * pending ones (after whatever of it may fault), marks them as no longer needed.
     */
    private void updatePending() {
        if (pendingCode >= 0) {
            code.loadConstant(pendingCode).istore(RegionFrame.PENDING);
            overwriter = pendingUntil;
            pendingCode = -1;
        } else if (overwriter == position) {
            code.iconst_m1().istore(RegionFrame.PENDING);
            overwriter = -1;
        }
    }

    /** The current instruction may fault from here on. */
    void mayFault() {
        f.at(index);
    }

    /** With an int on the stack (non-zero: decoded code was overwritten), leaves after the current instruction. */
    void leaveIfCodeWritten() {
        Label stub = code.newLabel();
        int completed = position + 1;
        long next = current.nextRip();
        code.ifne(stub);
        outOfLine.add(() -> code.labelBinding(stub).iinc(DONE, completed).loadConstant(next).lstore(EXIT_RIP)
                .goto_(exit));
    }

    /** A label that raises fault {@code vector} with error code 0 for the current instruction. */
    Label raiseOutOfLine(int vector) {
        return raises.computeIfAbsent(vector, v -> {
            Label stub = code.newLabel();
            outOfLine.add(() -> {
                code.labelBinding(stub);
                f.raise(v);
            });
            return stub;
        });
    }

    /** Counts the current block's instructions as completed (before its branch). */
    void completeBlock() {
        code.iinc(DONE, position + 1);
    }

    /**
     * Continues at {@code rip}: a jump if it starts one of the region's blocks, else the exit. A
     * jump back first asks whether the processor may continue and whether the target's pages were
     * rewritten; a jump onto a page the current block does not lie on asks the same and whether
     * the page is still mapped where its blocks were decoded from, as the dispatcher would before
     * running them.
     */
    void edge(long rip) {
        Integer target = blockAt.get(rip);
        if (target == null) {
            code.goto_(exitTo(rip));
            return;
        }
        boolean back = target <= block;
        int targetPages = plan.pagesOf(target);
        int newPages = targetPages & ~plan.pagesOf(block);
        if (back && newPages == 0) {
            // The checks cost as much as a short loop's body (crc32's eight instructions): they
            // run on every 16th branch back, which delays an interrupt by at most 15 iterations.
            // The checks are out of line and come back here, so the loop keeps one branch back.
            Label leave = exitTo(rip);
            Label check = code.newLabel();
            Label backEdge = code.newLabel();
            code.iinc(BUDGET, -1).iload(BUDGET).loadConstant(RegionFrame.CHECK_EVERY - 1).iand().ifeq(check);
            code.labelBinding(backEdge);
            code.goto_(starts[target]);
            outOfLine.add(() -> {
                code.labelBinding(check);
                code.iload(BUDGET).ifle(leave);
                code.aload(CPU).invokevirtual(CD_CPU, "mayContinue", MethodTypeDesc.of(CD_boolean)).ifeq(leave);
                for (int p : pageIndexes(targetPages)) {
                    checkEpoch(plan.codePages().get(p), leave);
                }
                code.goto_(backEdge);
            });
            return;
        }
        if (newPages != 0) {
            // Onto another page: every time, the checks the dispatcher would make there.
            Label leave = exitTo(rip);
            if (back) {
                code.iinc(BUDGET, -1).iload(BUDGET).ifle(leave);
            }
            code.aload(CPU).invokevirtual(CD_CPU, "mayContinue", MethodTypeDesc.of(CD_boolean)).ifeq(leave);
            for (int p : pageIndexes(newPages)) {
                RegionPlan.CodePage page = plan.codePages().get(p);
                checkEpoch(page, leave);
                code.aload(MMU).loadConstant(page.linear())
                        .invokevirtual(CD_MMU, "cachedFetchPage", MethodTypeDesc.of(CD_long, CD_long))
                        .loadConstant((long) page.host() << 12).lcmp().ifne(leave);
            }
        }
        code.goto_(starts[target]);
    }

    /** Leaves unless {@code page}'s code epoch is still the one its blocks were decoded under. */
    private void checkEpoch(RegionPlan.CodePage page, Label leave) {
        code.getstatic(self, "PAGES", CD_PAGES).loadConstant(page.host())
                .invokevirtual(CD_PAGES, "epoch", MethodTypeDesc.of(CD_int, CD_int))
                .loadConstant(page.epoch()).if_icmpne(leave);
    }

    private static int[] pageIndexes(int mask) {
        return java.util.stream.IntStream.range(0, Integer.SIZE).filter(p -> (mask & 1 << p) != 0).toArray();
    }

    /** A label that leaves the region for {@code rip}. */
    Label exitTo(long rip) {
        return exits.computeIfAbsent(rip, r -> {
            Label stub = code.newLabel();
            outOfLine.add(() -> code.labelBinding(stub).loadConstant(r).lstore(EXIT_RIP).goto_(exit));
            return stub;
        });
    }

    /**
     * Goes on at the RIP in {@link RegionFrame#EXIT_RIP} (a RET's, an indirect branch's): where
     * it is the address after one of the region's calls and that starts one of its blocks, there
     * ({@link #edge}), else it leaves the region.
     */
    void leave() {
        for (long rip : returnPoints) {
            Label other = code.newLabel();
            code.lload(EXIT_RIP).loadConstant(rip).lcmp().ifne(other);
            edge(rip);
            code.labelBinding(other);
        }
        code.goto_(exit);
    }

    /** Return addresses {@link #leave} compares with, at most this many. */
    static final int RETURN_POINTS = 8;

    /** The addresses after the region's calls that start blocks of it, in the blocks' order. */
    private static List<Long> returnPoints(RegionPlan plan, Map<Long, Integer> blockAt) {
        List<Long> points = new ArrayList<>();
        for (Insn[] b : plan.blocks()) {
            Insn last = b[b.length - 1];
            if (last.isNearCall() && blockAt.containsKey(last.nextRip()) && !points.contains(last.nextRip())
                    && points.size() < RETURN_POINTS) {
                points.add(last.nextRip());
            }
        }
        return points;
    }
}

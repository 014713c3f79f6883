package jvisor.engine.emu.exec;

import static java.lang.constant.ConstantDescs.CD_Class;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_String;
import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.AccessFlag;
import jvisor.engine.emu.EmuLog;
import jvisor.engine.emu.cpu.Cpu;
import jvisor.engine.emu.cpu.CpuFault;
import jvisor.engine.emu.decode.Insn;
import jvisor.engine.emu.decode.Op;

/**
 * Tier 1: turns a hot block into a hidden class whose {@code run} calls each instruction's
 * handler in turn. Each handler and its decoded instruction are constants of the class (static
 * finals from the class data), so HotSpot sees one exact handler per call site, inlines it, and
 * optimizes the block as straight-line code: no dispatch per instruction, no loop over the block.
 * A fault records which instruction raised it ({@link Cpu#faultIndex}) and propagates.
 */
final class BlockCompiler {
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final ClassDesc CD_CPU = ClassDesc.of(Cpu.class.getName());
    private static final ClassDesc CD_INSN = ClassDesc.of(Insn.class.getName());
    private static final ClassDesc CD_OP = ClassDesc.of(Op.class.getName());
    private static final ClassDesc CD_FAULT = ClassDesc.of(CpuFault.class.getName());
    private static final ClassDesc CD_COMPILED = ClassDesc.of(CompiledBlock.class.getName());
    private static final ClassDesc CD_LOOKUP = ClassDesc.of(MethodHandles.Lookup.class.getName());
    private static final ClassDesc CD_HANDLES = ClassDesc.of(MethodHandles.class.getName());
    private static final MethodTypeDesc MTD_RUN = MethodTypeDesc.of(CD_int, CD_CPU);
    private static final MethodTypeDesc MTD_EXEC = MethodTypeDesc.of(CD_void, CD_CPU, CD_INSN);
    private static final MethodTypeDesc MTD_SET_RIP = MethodTypeDesc.of(CD_void, CD_long);
    private static final ClassDesc THIS = ClassDesc.of(BlockCompiler.class.getPackageName() + ".Compiled");

    /** One compiled block: runs the instructions, returns how many completed (fewer if code was overwritten). */
    interface CompiledBlock {
        int run(Cpu c);
    }

    private BlockCompiler() { }

    /** Compiles {@code b}, or returns null if the class could not be built (the block stays interpreted). */
    static CompiledBlock compile(Block b) {
        Insn[] insns = b.insns;
        Object[] data = new Object[insns.length * 2];
        for (int k = 0; k < insns.length; k++) {
            data[2 * k] = insns[k].op();
            data[2 * k + 1] = insns[k];
        }
        try {
            byte[] bytes = ClassFile.of().build(THIS, cb -> {
                cb.withFlags(AccessFlag.FINAL, AccessFlag.SYNTHETIC);
                cb.withInterfaceSymbols(CD_COMPILED);
                for (int k = 0; k < insns.length; k++) {
                    cb.withField("o" + k, CD_OP, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC | ClassFile.ACC_FINAL);
                    cb.withField("i" + k, CD_INSN, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC | ClassFile.ACC_FINAL);
                }
                cb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC, code -> code
                        .aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
                cb.withMethodBody("<clinit>", MTD_void, ClassFile.ACC_STATIC, code -> staticInit(code, insns.length));
                boolean loop = loopsToItself(b);
                cb.withMethodBody("run", MTD_RUN, ClassFile.ACC_PUBLIC, code -> run(code, insns, loop, b.rip));
            });
            Class<?> c = LOOKUP.defineHiddenClassWithClassData(bytes, data, true).lookupClass();
            return (CompiledBlock) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            EmuLog.once("tier1", "block compilation failed, staying in the interpreter: " + e);
            return null;
        }
    }

    /** static { Object[] d = MethodHandles.classData(lookup(), "_", Object[].class); o0 = (Op) d[0]; ... } */
    private static void staticInit(CodeBuilder code, int n) {
        code.invokestatic(CD_HANDLES, "lookup", MethodTypeDesc.of(CD_LOOKUP))
                .ldc("_")
                .ldc(CD_Object.arrayType())
                .invokestatic(CD_HANDLES, "classData", MethodTypeDesc.of(CD_Object, CD_LOOKUP, CD_String, CD_Class))
                .checkcast(CD_Object.arrayType())
                .astore(0);
        for (int k = 0; k < n; k++) {
            code.aload(0).loadConstant(2 * k).aaload().checkcast(CD_OP).putstatic(THIS, "o" + k, CD_OP);
            code.aload(0).loadConstant(2 * k + 1).aaload().checkcast(CD_INSN).putstatic(THIS, "i" + k, CD_INSN);
        }
        code.return_();
    }

    /** Iterations a self-looping block runs before it returns to the interpreter's checks. */
    static final int LOOP_LIMIT = 4096;
    private static final MethodTypeDesc MTD_RIP = MethodTypeDesc.of(CD_long);
    private static final MethodTypeDesc MTD_MAY_CONTINUE = MethodTypeDesc.of(CD_boolean);

    /** Whether the block ends with a branch back to its own start: it is compiled as a loop. */
    static boolean loopsToItself(Block b) {
        Insn last = b.insns[b.insns.length - 1];
        int op = last.opcode();
        boolean relative = (op >= 0x70 && op <= 0x7F) || (op >= 0x0F80 && op <= 0x0F8F) || op == 0xEB || op == 0xE9;
        return relative && last.imm2() == b.rip && b.page2 < 0;
    }

    /**
     * The block: each handler in turn, a code-overwritten check between them, the fault index and
     * count on the way out. A block that branches to itself goes round again in place while
     * {@link Cpu#loopMayContinue()} allows, up to {@link #LOOP_LIMIT} times. Returns the number
     * of instructions completed: iterations * n + the position in the last one.
     */
    private static void run(CodeBuilder code, Insn[] insns, boolean loop, long startRip) {
        int n = insns.length;
        int cpu = 1;
        int index = 2;
        int iter = 3;
        code.iconst_0().istore(index).iconst_0().istore(iter);
        Label start = code.newBoundLabel();
        Label top = code.newBoundLabel();
        for (int k = 0; k < n; k++) {
            code.loadConstant(k).istore(index);
            if (k == n - 1) {
                code.aload(cpu).loadConstant(insns[k].nextRip()).invokevirtual(CD_CPU, "setRip", MTD_SET_RIP);
            }
            code.getstatic(THIS, "o" + k, CD_OP).aload(cpu).getstatic(THIS, "i" + k, CD_INSN)
                    .invokeinterface(CD_OP, "exec", MTD_EXEC);
            if (k < n - 1) {
                Label next = code.newLabel();
                code.aload(cpu).getfield(CD_CPU, "codeWritten", CD_boolean).ifeq(next)
                        .iload(iter).loadConstant(n).imul().loadConstant(k + 1).iadd().ireturn()
                        .labelBinding(next);
            }
        }
        code.iinc(iter, 1);
        if (loop) {
            Label exit = code.newLabel();
            code.aload(cpu).invokevirtual(CD_CPU, "rip", MTD_RIP).loadConstant(startRip).lcmp().ifne(exit)
                    .iload(iter).loadConstant(LOOP_LIMIT).if_icmpge(exit)
                    .aload(cpu).invokevirtual(CD_CPU, "loopMayContinue", MTD_MAY_CONTINUE).ifeq(exit)
                    .goto_(top)
                    .labelBinding(exit);
        }
        code.iload(iter).loadConstant(n).imul().ireturn();
        Label end = code.newBoundLabel();
        code.astore(4)
                .aload(cpu).iload(index).putfield(CD_CPU, "faultIndex", CD_int)
                .aload(cpu).iload(iter).loadConstant(n).imul().iload(index).iadd().putfield(CD_CPU, "faultRetired", CD_int)
                .aload(4).athrow();
        code.exceptionCatch(start, end, end, CD_FAULT);
    }
}

package jvisor.engine.emu.region;

import static java.lang.constant.ConstantDescs.CD_Class;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_String;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jvisor.engine.emu.EmuLog;
import jvisor.engine.emu.cpu.HostRam;
import jvisor.engine.emu.decode.Insn;

/**
 * Tier 1: compiles a {@link RegionPlan} into a hidden class whose {@code run} method is the
 * region. Instructions without a compiled form call their handlers, which are constants of the
 * class (static finals from the class data), so HotSpot inlines them as well.
 */
public final class RegionCompiler {
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    /** The simple name of regions' classes, which only C1 compiles ({@link JitPolicy}). */
    static final String WARM_PREFIX = "Warm";
    /** The simple name of the classes of regions recompiled for C2. */
    static final String HOT_PREFIX = "Hot";
    private static final ClassDesc CD_REGION = ClassDesc.of(CompiledRegion.class.getName());
    private static final ClassDesc CD_LOOKUP = ClassDesc.of(MethodHandles.Lookup.class.getName());
    private static final ClassDesc CD_HANDLES = ClassDesc.of(MethodHandles.class.getName());
    private static final MethodTypeDesc MTD_RUN = MethodTypeDesc.of(CD_int, RegionFrame.CD_CPU);

    private RegionCompiler() { }

    /**
     * HotSpot compiles no method of 8000 bytes of bytecode or more (-XX:HugeMethodLimit): a region
     * that long would run in its bytecode interpreter forever. The plan is first cut to an
     * estimate below {@link #ESTIMATE_LIMIT}, then blocks are dropped from its end until the
     * method really is below this.
     */
    private static final int HUGE_METHOD = 8000;
    /**
     * Well below {@link #HUGE_METHOD}: on the sha256 guest (bench emu, one run each, load 1.3)
     * estimates of 5,000 to 7,800 gave 4.2, 4.05, 3.9-4.1, 3.9-4.3, 4.25, 4.2 and 4.7 s (5,000,
     * 5,500, 6,000, 6,500, 7,000, 7,400, 7,800). Near the limit C2 left Flags.set64 and Shifts
     * calls out of line (its inlining stops at 8,000 bytes with what it inlined), but lifting
     * that (-XX:-ClipInlining) did not bring 7,800 back (4.98 s against 3.96 s), and C2 took
     * longer (1.70 s against 2.13 s for two runs) while the region ran in C1's code.
     */
    private static final int ESTIMATE_LIMIT = 6000;

    /** Compiles {@code plan}, or returns null if the class could not be built (the code stays interpreted). */
    public static CompiledRegion compile(RegionPlan plan) {
        return compile(plan, false);
    }

    /** Compiles {@code plan} as a class for C1 only, or with {@code forC2} one C2 may take. */
    public static CompiledRegion compile(RegionPlan plan, boolean forC2) {
        JitPolicy.install();
        RegionPlan p = fit(plan, forC2);
        while (true) {
            CompiledRegion region = build(p, forC2);
            if (region != TOO_LONG) {
                return region;
            }
            if (p.blocks().size() == 1) {
                return null;
            }
            p = p.first(p.blocks().size() - 1);
        }
    }

    /** The plan, or its first blocks, small enough for one method by the estimate. */
    static RegionPlan fit(RegionPlan plan, boolean forC2) {
        int keep = plan.blocks().size();
        while (keep > 1 && estimate(plan.blocks().subList(0, keep), forC2) > ESTIMATE_LIMIT) {
            keep--;
        }
        return keep == plan.blocks().size() ? plan
                : plan.first(keep);
    }

    /**
     * An estimate of the bytecode size of a region made of {@code blocks}, near the emitter's
     * (SHA-256's unrolled rounds: 27 bytes an instruction for C1, 33 for C2, whose memory
     * accesses look the TLB up inline): a pessimistic one cut those rounds' regions to one
     * 64-instruction block each, and the processor went through the dispatcher every 64.
     */
    static int estimate(List<Insn[]> blocks, boolean forC2) {
        int size = 200;
        Set<Long> starts = new HashSet<>();
        for (Insn[] block : blocks) {
            starts.add(block[0].rip());
        }
        int returnPoints = 0;
        int leaves = 0;
        for (Insn[] block : blocks) {
            for (int k = 0; k < block.length; k++) {
                Insn x = block[k];
                boolean last = k == block.length - 1;
                if (!compiles(x, last)) {
                    size += HANDLER_BYTES;
                } else if (last && ControlForms.supportsBranch(x)) {
                    size += 60;
                } else if (x.isMemory() && x.opcode() != 0x8D) { // LEA computes an address, accesses nothing
                    size += forC2 ? 80 : 40;
                } else if (DataForms.leanForm(x) && FlagLiveness.unseen(block, k, true)) {
                    size += 14;
                } else {
                    size += 30;
                }
            }
            Insn last = block[block.length - 1];
            int op = last.opcode();
            boolean indirect = op == 0xFF && (last.sub() == 2 || last.sub() == 4);
            returnPoints += last.isNearCall() && starts.contains(last.nextRip()) ? 1 : 0;
            leaves += op == 0xC3 || op == 0xC2 || indirect ? 1 : 0;
        }
        // Each RET or indirect branch compares its target with the return points after calls (RegionEmitter.leave).
        return size + leaves * Math.min(returnPoints, RegionEmitter.RETURN_POINTS) * 40;
    }

    /** A handler call: the changed registers written back before it, the kept ones loaded after. */
    private static final int HANDLER_BYTES = 120;

    /** Whether the region compiles {@code x} itself; else it calls its handler. */
    static boolean compiles(Insn x, boolean last) {
        return (last && ControlForms.supportsBranch(x)) || DataForms.supports(x) || ArithmeticForms.supports(x)
                || ControlForms.supportsStack(x);
    }

    /**
     * A region's class is named by its tier and the guest address it is entered at, e.g.
     * {@code Warm_ffffffff81569f60}: a profiler of the JVM (perf with HotSpot's perf map, JFR,
     * async-profiler) then shows which guest code each region's samples are, and the kernel's
     * symbol table names it.
     */
    static ClassDesc className(RegionPlan plan, boolean forC2) {
        return ClassDesc.of(RegionCompiler.class.getPackageName() + "." + (forC2 ? HOT_PREFIX : WARM_PREFIX) + "_"
                + Long.toHexString(plan.entryRip()));
    }

    private static CompiledRegion build(RegionPlan plan, boolean forC2) {
        ClassDesc self = className(plan, forC2);
        Map<Insn, Integer> handlers = new IdentityHashMap<>();
        List<Object> data = new ArrayList<>();
        data.add(null);
        data.add(plan.pages());
        data.add(HostRam.of(plan.ram()));
        int n = plan.instructions();
        long[] rips = new long[n];
        int[] positions = new int[n];
        int at = 0;
        for (Insn[] block : plan.blocks()) {
            for (int k = 0; k < block.length; k++, at++) {
                Insn x = block[k];
                rips[at] = x.rip();
                positions[at] = k;
                if (!compiles(x, k == block.length - 1)) {
                    handlers.put(x, handlers.size());
                    data.add(x.op());
                    data.add(x);
                }
            }
        }
        try {
            // A first emission keeping all sixteen registers in locals finds which ones the code
            // uses and how often; the class is the second, which keeps only those in locals (for
            // C1 only the much-used ones) and loads and writes back only them.
            RegionFrame used = frame(self, plan, handlers, forC2);
            int kept = forC2 ? used.touched() : keptForC1(used, callSites(plan, handlers));
            byte[] bytes = classBytes(self, plan, handlers, forC2, kept, used.written());
            if (runLength(bytes) >= HUGE_METHOD) {
                return TOO_LONG;
            }
            Object[] classData = data.toArray();
            LOOKUP.defineHiddenClassWithClassData(bytes, classData, true);
            CompiledRegion region = (CompiledRegion) classData[0];
            if (!forC2) {
                JitPolicy.compileNow(region.getClass());
            }
            region.describe(plan, forC2, rips, positions);
            return region;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            EmuLog.once("region", "region compilation failed, staying in the interpreter: " + e);
            return null;
        }
    }

    /**
     * Registers a region for C1 reads or writes more than this many times per call it makes stay
     * in locals ({@link #keptForC1}); jvisor.emu.keep sets it, tests move it to either end.
     */
    private static volatile int keepRatio = Integer.getInteger("jvisor.emu.keep", 2);

    /**
     * From now on, regions for C1 keep in locals the registers they use more than {@code ratio}
     * times per call: -1 keeps every register there (as regions for C2 do), {@link Integer#MAX_VALUE}
     * none. For tests of both forms; regions compiled before keep theirs. Returns the ratio before.
     */
    public static int keepRatio(int ratio) {
        int before = keepRatio;
        keepRatio = ratio;
        return before;
    }

    /**
     * The registers a region for C1 keeps in locals; the rest it reads and writes in the
     * processor's array where it uses them. C1 gives a local that lives across a call a stack
     * slot, stored and reloaded around the call: in kernel code, which calls the MMU every few
     * instructions, that was a third of a region's machine code (README, "Registers in C1's
     * regions"). A register used much more often than the region calls out (a loop's counters
     * and pointers between its memory accesses) still pays for its local.
     */
    private static int keptForC1(RegionFrame used, int calls) {
        int ratio = keepRatio;
        int kept = 0;
        for (int n = 0; n < 16; n++) {
            if (used.uses(n) > 0 && (ratio < 0 || used.uses(n) > (long) ratio * calls)) {
                kept |= 1 << n;
            }
        }
        return kept;
    }

    /**
     * The calls a region for C1 makes, estimated from its instructions: one per memory operand,
     * per stack access and per instruction left to its handler.
     */
    private static int callSites(RegionPlan plan, Map<Insn, Integer> handlers) {
        int calls = 0;
        for (Insn[] block : plan.blocks()) {
            for (Insn x : block) {
                if (handlers.containsKey(x)) {
                    calls++;
                    continue;
                }
                if (x.isMemory()) {
                    calls++;
                }
                if (usesStack(x)) {
                    calls++;
                }
            }
        }
        return calls;
    }

    /** PUSH, POP (POP r/m too), a near CALL, RET and LEAVE. */
    private static boolean usesStack(Insn x) {
        int op = x.opcode();
        return ControlForms.isPushOrPop(x) || x.isNearCall() || op == 0x8F || op == 0xC2 || op == 0xC3 || op == 0xC9;
    }

    /**
     * The frame of a first emission of the region's code, keeping all sixteen registers: only the
     * {@code run} method, without stack maps, and abandoned once written, before the class-file
     * API would count its stack and lay out a class nobody loads.
     */
    private static RegionFrame frame(ClassDesc self, RegionPlan plan, Map<Insn, Integer> handlers, boolean forC2) {
        RegionFrame[] frame = new RegionFrame[1];
        try {
            DRY_RUN.build(self, cb -> cb.withMethodBody("run", MTD_RUN, ClassFile.ACC_PUBLIC, code -> {
                RegionEmitter emitter = new RegionEmitter(plan, self, code, handlers, forC2,
                        RegionFrame.ALL_REGISTERS, RegionFrame.ALL_REGISTERS);
                emitter.emit();
                frame[0] = emitter.frame();
                throw EMITTED;
            }));
        } catch (Emitted done) {
            return frame[0];
        }
        throw new IllegalStateException("the first emission did not finish");
    }

    private static final ClassFile DRY_RUN = ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS);

    /** Ends the first emission (one shared instance: it has no stack trace). */
    private static final class Emitted extends RuntimeException {
        Emitted() {
            super(null, null, false, false);
        }
    }

    private static final Emitted EMITTED = new Emitted();

    /** The region's class, whose frame keeps registers {@code kept} in locals and writes back {@code changed}. */
    private static byte[] classBytes(ClassDesc self, RegionPlan plan, Map<Insn, Integer> handlers, boolean forC2,
                                     int kept, int changed) {
        return ClassFile.of().build(self, cb -> {
            cb.withFlags(AccessFlag.FINAL, AccessFlag.SYNTHETIC);
            cb.withSuperclass(CD_REGION);
            int statics = ClassFile.ACC_STATIC | ClassFile.ACC_FINAL | ClassFile.ACC_PRIVATE;
            cb.withField("PAGES", RegionEmitter.CD_PAGES, statics);
            cb.withField("RAM", Memory.CD_HOST_RAM, statics);
            for (int k = 0; k < handlers.size(); k++) {
                cb.withField("o" + k, RegionEmitter.CD_OP, statics);
                cb.withField("i" + k, RegionEmitter.CD_INSN, statics);
            }
            cb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC, code -> code
                    .aload(0).invokespecial(CD_REGION, INIT_NAME, MTD_void).return_());
            cb.withMethodBody("<clinit>", MTD_void, ClassFile.ACC_STATIC, code -> staticInit(code, self, handlers.size()));
            cb.withMethodBody("run", MTD_RUN, ClassFile.ACC_PUBLIC,
                    code -> new RegionEmitter(plan, self, code, handlers, forC2, kept, changed).emit());
        });
    }

    /** What {@link #build} returns for a plan whose method came out too long for HotSpot. */
    private static final CompiledRegion TOO_LONG = new CompiledRegion() {
        @Override
        public int run(jvisor.engine.emu.cpu.Cpu c) {
            throw new IllegalStateException("not a region");
        }
    };

    private static int runLength(byte[] bytes) {
        return ClassFile.of().parse(bytes).methods().stream()
                .filter(m -> m.methodName().equalsString("run"))
                .mapToInt(m -> m.findAttribute(Attributes.code()).orElseThrow().codeLength())
                .findFirst().orElseThrow();
    }

    /** static { Object[] d = MethodHandles.classData(lookup(), "_", Object[].class); PAGES = d[1]; RAM = d[2]; o0 = (Op) d[3]; ...; d[0] = new Region(); } */
    private static void staticInit(CodeBuilder code, ClassDesc self, int handlers) {
        code.invokestatic(CD_HANDLES, "lookup", MethodTypeDesc.of(CD_LOOKUP))
                .ldc("_")
                .ldc(CD_Object.arrayType())
                .invokestatic(CD_HANDLES, "classData", MethodTypeDesc.of(CD_Object, CD_LOOKUP, CD_String, CD_Class))
                .checkcast(CD_Object.arrayType())
                .astore(0);
        code.aload(0).iconst_1().aaload().checkcast(RegionEmitter.CD_PAGES).putstatic(self, "PAGES", RegionEmitter.CD_PAGES);
        code.aload(0).iconst_2().aaload().checkcast(Memory.CD_HOST_RAM).putstatic(self, "RAM", Memory.CD_HOST_RAM);
        for (int k = 0; k < handlers; k++) {
            code.aload(0).loadConstant(3 + 2 * k).aaload().checkcast(RegionEmitter.CD_OP)
                    .putstatic(self, "o" + k, RegionEmitter.CD_OP);
            code.aload(0).loadConstant(4 + 2 * k).aaload().checkcast(RegionEmitter.CD_INSN)
                    .putstatic(self, "i" + k, RegionEmitter.CD_INSN);
        }
        // The one instance goes back through the class data, so no reflection is needed to make it.
        code.aload(0).iconst_0().new_(self).dup().invokespecial(self, INIT_NAME, MTD_void).aastore();
        code.return_();
    }
}

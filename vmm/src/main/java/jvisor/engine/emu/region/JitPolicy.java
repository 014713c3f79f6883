package jvisor.engine.emu.region;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Executable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import javax.management.JMException;
import javax.management.ObjectName;
import jvisor.engine.emu.EmuLog;
import jvisor.engine.emu.cpu.Cpu;

/**
 * How HotSpot compiles regions. A Linux boot makes thousands of them, most run a few thousand
 * times, and HotSpot's optimizing compiler (C2) spends tens of milliseconds on each: more than
 * the region saves, on a machine whose other core the guest's own processors want. So regions
 * are kept to the quick compiler (C1), whose code runs them about three times faster than the
 * interpreter after a millisecond or two of compiling: a compiler directive, added to this JVM
 * once, excludes their {@code run} methods from C2 (HotSpot then compiles them at C1's
 * optimizing level without profiling). Regions worth C2's time, those that have run
 * {@link CompiledRegion#PROMOTE_AFTER} instructions, are compiled again as another class family
 * the directive does not match ({@link RegionCompiler#HOT_PREFIX}). The code that
 * writes regions (the emitter and the class-file API) is kept from C2 too: it runs a few
 * thousand times on a background thread, where C2 took longer compiling it than it ever saved.
 *
 * <p>Left to its tiers, HotSpot compiles a region twice: with C1 and full profiling first, and
 * once those profiles are ripe for C2, which the directive refuses, with C1 again without
 * profiling. Where HotSpot's WhiteBox API is open to jvisor (the jvisor script starts the JVM
 * with it, {@link WhiteBoxApi}), each region is instead queued for C1 without
 * profiling as soon as its class is defined ({@link #compileNow}): one compile instead of two,
 * no runs in slower profiling code. In a Linux boot C1's time fell by 1-2 s (from about 3.0 to
 * 2.0 s), and so did the whole JVM's.
 *
 * <p>The directive also makes the Warm classes' compiles blocking (BackgroundCompilation: false):
 * the background compiler's thread waits in {@link #compileNow} until C1 is done, and HotSpot takes
 * a blocking WhiteBox request before the rest of its queue. Queued behind the VMM's own compiles, a
 * region was handed to the processor before C1 got to it and ran in HotSpot's bytecode interpreter,
 * far slower than jvisor's: 8% of the processor thread's samples in a Linux boot (JFR, 1 ms), none now.
 */
final class JitPolicy {
    /**
     * The directive, a resource beside this class: regions for C1 (the Warm classes), the emitter
     * with its lambdas, and the class-file API; not the classes regions compiled for C2 run in or
     * call (Hot, RegionOps, CompiledRegion). Given to HotSpot at start instead
     * (-XX:+UnlockDiagnosticVMOptions -XX:CompilerDirectivesFile=, this resource's copy under
     * vmm/target/classes), it also keeps from C2 the class-file code the JDK's own start-up
     * (lambdas, method handles) runs before the first region; HotSpot then prints "1 compiler
     * directives added", a line the jvisor script keeps off the guest's console.
     */
    static final String DIRECTIVES = "jit-directives.json";
    private static volatile boolean installed;
    /** HotSpot's tier of C1 without profiling. */
    private static final int C1_WITHOUT_PROFILING = 1;
    /** HotSpot's tier of C1 with full profiling, whose profile C2 compiles from. */
    private static final int C1_PROFILING = 3;
    /** How long the background compiler waits for a region's first code before it publishes the region anyway. */
    private static final long FIRST_CODE_WAIT_NANOS = 1_000_000_000L;
    /** WhiteBox's getMethodCompilationLevel0 bound to its instance, or null where it is not open to us. */
    private static final MethodHandle LEVEL = WhiteBoxApi.compilationLevel();
    /** WhiteBox's isMethodCompilable0 bound to its instance, or null. */
    private static final MethodHandle COMPILABLE = WhiteBoxApi.compilable();
    /** WhiteBox's enqueueMethodForCompilation0 bound to its instance, or null where it is not open to us. */
    private static volatile MethodHandle enqueue = Boolean.parseBoolean(System.getProperty("jvisor.emu.c1now", "true"))
            ? WhiteBoxApi.enqueue() : null;

    private JitPolicy() { }

    /**
     * Queues {@code region}'s run method for C1 without profiling, if the WhiteBox API is open;
     * else HotSpot's tiers compile it when it has run a few times. Stops asking after a refusal
     * (natives unbound without -XX:+WhiteBoxAPI, no C1 in this JVM).
     */
    static void compileNow(Class<? extends CompiledRegion> region) {
        MethodHandle h = enqueue;
        if (h == null) {
            return;
        }
        boolean queued;
        try {
            queued = (boolean) h.invokeExact((Executable) region.getDeclaredMethod("run", Cpu.class),
                    C1_WITHOUT_PROFILING, -1);
        } catch (Throwable e) {
            queued = false;
        }
        if (!queued) {
            enqueue = null;
            EmuLog.once("jit-now", "regions are compiled through HotSpot's tiers (the WhiteBox API refused one)");
        }
    }

    /**
     * Queues a region compiled for C2 ({@link CompiledRegion#promote}) for C1 with profiling, from
     * which HotSpot's tiers take it on to C2, and waits (on the background compiler's thread) until
     * that code exists, at most {@link #FIRST_CODE_WAIT_NANOS}, or until C1 gives up on it (C1
     * runs out of virtual registers on some large regions; HotSpot then goes to C2 directly). The
     * processors go on running the region's C1 version meanwhile: switched to at once, the new
     * class ran in HotSpot's bytecode interpreter until HotSpot got round to it, 3-6% of the
     * processor's time while a Linux boot loads its modules. Without the WhiteBox API this
     * returns at once.
     */
    static void compileBeforeUse(Class<? extends CompiledRegion> region) {
        MethodHandle queue = enqueue;
        MethodHandle level = LEVEL;
        MethodHandle compilable = COMPILABLE;
        if (queue == null || level == null || compilable == null) {
            return;
        }
        try {
            Executable run = region.getDeclaredMethod("run", Cpu.class);
            if (!(boolean) queue.invokeExact(run, C1_PROFILING, -1)) {
                return;
            }
            long deadline = System.nanoTime() + FIRST_CODE_WAIT_NANOS;
            while ((int) level.invokeExact(run, false) == 0
                    && (boolean) compilable.invokeExact(run, C1_PROFILING, false) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(500_000);
            }
        } catch (Throwable e) {
            EmuLog.once("jit-first-code", "a region compiled for C2 is used before HotSpot compiled it (" + e + ")");
        }
    }

    /** Adds the directive to this JVM (once; JMX starts here, so call it off the guest's threads). */
    static void install() {
        if (installed) {
            return;
        }
        synchronized (JitPolicy.class) {
            if (installed) {
                return;
            }
            installed = true;
            try {
                String directive = directive();
                if (givenAtStart(directive)) {
                    return;
                }
                Path file = Files.createTempFile("jvisor-jit", ".json");
                try {
                    Files.writeString(file, directive);
                    ManagementFactory.getPlatformMBeanServer().invoke(
                            new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                            new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException | JMException | RuntimeException e) {
                EmuLog.once("jit-policy", "regions may be compiled by C2 too (the JIT directive failed: " + e + ")");
            }
        }
    }

    static String directive() throws IOException {
        try (InputStream in = JitPolicy.class.getResourceAsStream(DIRECTIVES)) {
            if (in == null) {
                throw new IOException(DIRECTIVES + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Whether this JVM was started with {@code directive} in a -XX:CompilerDirectivesFile. */
    static boolean givenAtStart(String directive) {
        String option = "-XX:CompilerDirectivesFile=";
        for (String arg : ProcessHandle.current().info().arguments().orElse(new String[0])) {
            try {
                if (arg.startsWith(option) && Files.readString(Path.of(arg.substring(option.length()))).equals(directive)) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // Another file, or one gone: the directive is added at run time.
            }
        }
        return false;
    }
}

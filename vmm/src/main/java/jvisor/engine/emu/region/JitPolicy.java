package jvisor.engine.emu.region;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.JMException;
import javax.management.ObjectName;
import jvisor.engine.emu.EmuLog;

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
 */
final class JitPolicy {
    /**
     * Regions for C1 (the Warm classes), the emitter with its lambdas, and the class-file API; not
     * the classes regions compiled for C2 run in or call (Hot, RegionOps, CompiledRegion). A class
     * pattern may have a wildcard only at its start or end.
     */
    private static final String DIRECTIVE = """
            [ { match: [ "jvisor/engine/emu/region/%s*.*", "jvisor/engine/emu/region/DataForms*.*",
                         "jvisor/engine/emu/region/ArithmeticForms*.*",
                         "jvisor/engine/emu/region/ControlForms*.*", "jvisor/engine/emu/region/Conditions*.*",
                         "jvisor/engine/emu/region/Memory*.*", "jvisor/engine/emu/region/RegionEmitter*.*",
                         "jvisor/engine/emu/region/RegionFrame*.*", "jvisor/engine/emu/region/RegionCompiler*.*",
                         "jvisor/engine/emu/exec/BlockCache.plan",
                         "java/lang/classfile/*.*", "jdk/internal/classfile/*.*" ],
                c2: { Exclude: true } } ]
            """.formatted(RegionCompiler.WARM_PREFIX);
    private static volatile boolean installed;

    private JitPolicy() { }

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
                Path file = Files.createTempFile("jvisor-jit", ".json");
                try {
                    Files.writeString(file, DIRECTIVE);
                    ManagementFactory.getPlatformMBeanServer().invoke(
                            new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                            new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (java.io.IOException | JMException | RuntimeException e) {
                EmuLog.once("jit-policy", "regions may be compiled by C2 too (the JIT directive failed: " + e + ")");
            }
        }
    }
}

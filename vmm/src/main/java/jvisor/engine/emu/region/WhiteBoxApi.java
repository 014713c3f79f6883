package jvisor.engine.emu.region;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Executable;

/**
 * HotSpot's WhiteBox API as far as {@link JitPolicy} uses it: compiling a method at a chosen tier
 * now, and asking at which tier a method is compiled and whether a tier may still compile it.
 * Open only where the JVM was started with -XX:+WhiteBoxAPI and our
 * {@link jdk.test.whitebox.WhiteBox} on the boot class path, as the jvisor script starts it.
 */
final class WhiteBoxApi {
    private WhiteBoxApi() { }

    /**
     * WhiteBox's enqueueMethodForCompilation0(method, level, bci) bound to its instance, or null
     * without the class on the boot class path (HotSpot binds the natives of no other). Its
     * natives may still be unbound (no -XX:+WhiteBoxAPI): the first call fails then.
     */
    static MethodHandle enqueue() {
        return bound("enqueueMethodForCompilation0",
                MethodType.methodType(boolean.class, Executable.class, int.class, int.class));
    }

    /** WhiteBox's getMethodCompilationLevel0(method, isOsr) bound to its instance, or null (as {@link #enqueue}). */
    static MethodHandle compilationLevel() {
        return bound("getMethodCompilationLevel0", MethodType.methodType(int.class, Executable.class, boolean.class));
    }

    /** WhiteBox's isMethodCompilable0(method, level, isOsr) bound to its instance, or null (as {@link #enqueue}). */
    static MethodHandle compilable() {
        return bound("isMethodCompilable0",
                MethodType.methodType(boolean.class, Executable.class, int.class, boolean.class));
    }

    private static MethodHandle bound(String name, MethodType type) {
        Class<?> wb;
        try {
            wb = bind();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Object instance = lookup.findStaticGetter(wb, "INSTANCE", wb).invoke();
            return lookup.findVirtual(wb, name, type).bindTo(instance);
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * The boot loader's WhiteBox class, initialized: that binds its natives. HotSpot writes a
     * line for each WhiteBox native our class leaves out; the jvisor script keeps HotSpot's own
     * output off standard output, the guest's console (-XX:-DisplayVMOutput).
     */
    private static Class<?> bind() throws ClassNotFoundException {
        // The platform loader's parent is the boot loader, whose resources it searches first.
        if (ClassLoader.getPlatformClassLoader().getResource("jdk/test/whitebox/WhiteBox.class") == null) {
            throw new ClassNotFoundException("no WhiteBox on the boot class path");
        }
        return Class.forName("jdk.test.whitebox.WhiteBox", true, null);
    }
}

package jdk.test.whitebox;

import java.lang.reflect.Executable;

/**
 * The entries of HotSpot's WhiteBox API jvisor uses: compiling a method at a chosen tier now, the
 * tier a method's code is compiled at, and whether a tier may still compile it.
 * HotSpot binds these natives only with -XX:+WhiteBoxAPI, and only to a class of this name the
 * boot loader loaded; so this class is built into its own jar, jvisor-whitebox.jar, which the
 * jvisor script appends to the boot class path. Anywhere else (tests, a plain java -jar) its
 * natives stay unbound and jvisor.engine.emu.region.JitPolicy does without it.
 */
public final class WhiteBox {
    public static final WhiteBox INSTANCE = new WhiteBox();

    private static native void registerNatives();

    static {
        registerNatives();
    }

    private WhiteBox() { }

    /** Queues {@code method} for compilation at {@code level} (its entry when {@code bci} is -1). */
    public native boolean enqueueMethodForCompilation0(Executable method, int level, int bci);

    /** The tier {@code method}'s code is compiled at now (0: none; its loop's with {@code isOsr}). */
    public native int getMethodCompilationLevel0(Executable method, boolean isOsr);

    /** Whether tier {@code level} may still compile {@code method} (a compiler that bailed out on it may not). */
    public native boolean isMethodCompilable0(Executable method, int level, boolean isOsr);
}

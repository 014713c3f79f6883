package jvisor.engine.emu.region;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Executable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import jvisor.sys.Posix;

/**
 * HotSpot's WhiteBox API as far as {@link JitPolicy} uses it: compiling a method at a chosen tier
 * now. Open only where the JVM was started with -XX:+WhiteBoxAPI and our
 * {@link jdk.test.whitebox.WhiteBox} on the boot class path, as the jvisor script starts it.
 */
final class WhiteBoxApi {
    /**
     * What HotSpot writes to standard output, binding the class, for each WhiteBox native it does
     * not declare (about 200 of them in JDK 25).
     */
    private static final Pattern BINDING_WARNING =
            Pattern.compile("(?m)^Warning: 'NoSuchMethodError' on register of jdk\\.test\\.whitebox\\.WhiteBox::\\S*\\R");
    private static final MethodHandle DUP = Posix.downcall("dup", false, FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP2 =
            Posix.downcall("dup2", false, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final int STDOUT = 1;
    private static final int O_RDWR = 2;

    private WhiteBoxApi() { }

    /**
     * WhiteBox's enqueueMethodForCompilation0(method, level, bci) bound to its instance, or null
     * without the class on the boot class path (HotSpot binds the natives of no other). Its
     * natives may still be unbound (no -XX:+WhiteBoxAPI): the first call fails then.
     */
    static MethodHandle enqueue() {
        Class<?> wb;
        try {
            wb = bindQuietly();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError | IOException e) {
            return null;
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Object instance = lookup.findStaticGetter(wb, "INSTANCE", wb).invoke();
            return lookup.findVirtual(wb, "enqueueMethodForCompilation0",
                    MethodType.methodType(boolean.class, Executable.class, int.class, int.class)).bindTo(instance);
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * Loads and initializes the boot loader's WhiteBox class with standard output (the guest's
     * console) led into a file meanwhile, then writes back what came there but HotSpot's
     * binding warnings: whatever else was written meanwhile comes out, only later.
     */
    private static Class<?> bindQuietly() throws ReflectiveOperationException, IOException {
        // The platform loader's parent is the boot loader, whose resources it searches first.
        if (ClassLoader.getPlatformClassLoader().getResource("jdk/test/whitebox/WhiteBox.class") == null) {
            throw new ClassNotFoundException("no WhiteBox on the boot class path");
        }
        Path file = Files.createTempFile("jvisor-whitebox", ".out");
        try {
            int saved;
            System.out.flush();
            int capture = Posix.open(file.toString(), O_RDWR);
            try {
                saved = (int) DUP.invokeExact(STDOUT);
                if (saved < 0 || (int) DUP2.invokeExact(capture, STDOUT) < 0) {
                    throw new IOException("standard output could not be led aside");
                }
            } catch (IOException e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException(t);
            } finally {
                Posix.close(capture);
            }
            try {
                return Class.forName("jdk.test.whitebox.WhiteBox", true, null);
            } finally {
                System.out.flush();
                try {
                    int restored = (int) DUP2.invokeExact(saved, STDOUT);
                    Posix.close(saved);
                    if (restored < 0) {
                        throw new IOException("standard output could not be restored");
                    }
                } catch (IOException e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IOException(t);
                }
                String captured = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                byte[] rest = BINDING_WARNING.matcher(captured).replaceAll("").getBytes(StandardCharsets.ISO_8859_1);
                if (rest.length > 0) {
                    FileOutputStream out = new FileOutputStream(FileDescriptor.out);
                    out.write(rest);
                    out.flush();
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}

package jvisor.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code ioctl(2)}. Its third parameter is variadic in C, so each handle tells the linker where
 * the variadic part begins; one handle passes a pointer, the other a plain integer (KVM_RUN,
 * KVM_CREATE_VCPU, KVM_SET_TSS_ADDR take their argument by value).
 *
 * <p>These calls return the raw result and leave {@code errno} in the caller's capture buffer
 * ({@link Posix#newErrnoBuffer}): the caller names the request in its exception, and the hot
 * path (KVM_RUN) reuses one buffer per thread instead of allocating.
 */
public final class Ioctl {
    private Ioctl() { }

    private static final MethodHandle WITH_POINTER = Posix.downcall("ioctl", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle WITH_VALUE = Posix.downcall("ioctl", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));

    /** {@code ioctl(fd, request, arg)} with a pointer argument; -1 means failure, errno in {@code errno}. */
    public static int call(MemorySegment errno, int fd, long request, MemorySegment arg) {
        try {
            return (int) WITH_POINTER.invokeExact(errno, fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError("ioctl downcall failed", t);
        }
    }

    /** {@code ioctl(fd, request, arg)} with an integer argument; -1 means failure, errno in {@code errno}. */
    public static int call(MemorySegment errno, int fd, long request, long arg) {
        try {
            return (int) WITH_VALUE.invokeExact(errno, fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError("ioctl downcall failed", t);
        }
    }
}

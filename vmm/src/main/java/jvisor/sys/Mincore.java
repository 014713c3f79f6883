package jvisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** {@code mincore(2)}: how much of a mapping is resident, e.g. to tell guest RAM from the VMM's own memory. */
public final class Mincore {
    private Mincore() { }

    public static final long PAGE = 4096;

    private static final MethodHandle MINCORE = Posix.downcall("mincore", true,
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));

    /** Bytes of {@code mapping} (page-aligned, as mmap returns) that are resident in RAM now. */
    public static long residentBytes(MemorySegment mapping) {
        long pages = (mapping.byteSize() + PAGE - 1) / PAGE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vector = arena.allocate(pages);
            MemorySegment errno = Posix.newErrnoBuffer(arena);
            int rc = (int) MINCORE.invokeExact(errno, mapping, mapping.byteSize(), vector);
            if (rc != 0) {
                throw new PosixException("mincore", Posix.errno(errno));
            }
            long resident = 0;
            for (long i = 0; i < pages; i++) {
                resident += vector.get(ValueLayout.JAVA_BYTE, i) & 1;
            }
            return resident * PAGE;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}

package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PortBus;
import jvisor.bus.PortHandler;
import jvisor.core.ExitStats;
import jvisor.core.IoDispatch;
import jvisor.engine.ExitReason;
import jvisor.sys.Ioctl;
import jvisor.sys.Posix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exit path allocates nothing: everything KvmCpu.run() does around KVM_RUN (the kick
 * protocol, the ioctl downcall with errno capture, decoding kvm_run in place) plus the core's
 * dispatch to a port handler, over a stand-in mapping, with an ioctl on a closed descriptor
 * standing in for KVM_RUN. Counted with the JVM's per-thread allocation counter after warm-up.
 */
class ExitPathAllocationTest {
    private static final int WARMUP = 300_000;
    private static final int MEASURED = 100_000;

    @Test
    void anIoExitRoundTripAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = arena.allocate(3 * 4096, 4096);
            KvmRun run = new KvmRun(mapping);
            KvmIoExit io = new KvmIoExit(run);
            KvmMmioExit mmio = new KvmMmioExit(run);
            KvmRun.EXIT_REASON.set(mapping, 0L, KvmConst.KVM_EXIT_IO);
            KvmRun.IO_DIRECTION.set(mapping, 0L, (byte) KvmConst.KVM_EXIT_IO_OUT);
            KvmRun.IO_SIZE.set(mapping, 0L, (byte) 1);
            KvmRun.IO_PORT.set(mapping, 0L, (short) 0x80);
            KvmRun.IO_COUNT.set(mapping, 0L, 1);
            KvmRun.IO_DATA_OFFSET.set(mapping, 0L, 4096L);
            Sink sink = new Sink();
            PortBus ports = new PortBus();
            ports.register(0x80, 1, sink, "sink");
            ports.setDefault(sink, "default");
            IoDispatch dispatch = new IoDispatch(ports, new MmioBus(sink), new ExitStats());
            ThreadKicker kicker = new ThreadKicker(KickSignal.install());
            MemorySegment errno = Posix.newErrnoBuffer(arena);
            long request = KvmIoctl.KVM_RUN.number();

            roundTrips(WARMUP, kicker, errno, request, run, io, mmio, dispatch);
            long before = threads.getCurrentThreadAllocatedBytes();
            roundTrips(MEASURED, kicker, errno, request, run, io, mmio, dispatch);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertEquals(WARMUP + MEASURED, sink.writes);
            assertTrue(allocated < MEASURED / 100, allocated + " bytes allocated in " + MEASURED + " exits");
        }
    }

    private static void roundTrips(int n, ThreadKicker kicker, MemorySegment errno, long request, KvmRun run,
                                   KvmIoExit io, KvmMmioExit mmio, IoDispatch dispatch) {
        for (int i = 0; i < n; i++) {
            kicker.enter();
            int rc;
            try {
                rc = Ioctl.call(errno, -1, request, 0L);
            } finally {
                kicker.leave();
            }
            if (rc >= 0 || Posix.errno(errno) == Posix.EINTR) {
                throw new AssertionError("ioctl on fd -1 must fail with EBADF");
            }
            ExitReason reason = ExitDecoder.decode(run, io, mmio);
            if (reason != ExitReason.IO) {
                throw new AssertionError(reason);
            }
            dispatch.dispatch(io);
        }
    }

    private static final class Sink implements PortHandler, MmioHandler {
        long writes;

        public int read(int port, int size) {
            return 0;
        }

        public void write(int port, int size, int value) {
            writes++;
        }

        public long read(long address, int size) {
            return 0;
        }

        public void write(long address, int size, long value) { }
    }
}

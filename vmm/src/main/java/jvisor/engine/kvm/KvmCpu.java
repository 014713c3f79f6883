package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.IoExit;
import jvisor.engine.MmioExit;
import jvisor.engine.VirtualCpu;
import jvisor.sys.Ioctl;
import jvisor.sys.Posix;

/**
 * One KVM vCPU: its descriptor, its mapped {@code kvm_run}, and the loop step that enters the
 * guest and decodes why it came back. The exit path reads the mapping in place, reuses one
 * {@link IoExit} and one {@link MmioExit}, and allocates nothing.
 */
final class KvmCpu implements VirtualCpu, AutoCloseable {
    private static final long KVM_RUN = KvmIoctl.KVM_RUN.number();

    private final int index;
    private final KvmFd fd;
    private final MemorySegment mapping;
    private final KvmRun run;
    private final KvmIoExit io;
    private final KvmMmioExit mmio;
    private final ThreadKicker kicker;
    /** errno of KVM_RUN; written and read only on the owner thread. */
    private final MemorySegment runErrno;
    private final MemorySegment regs;
    private final MemorySegment sregs;
    private ExitReason lastReason;
    private int lastErrno;
    private boolean closed;

    /** On the thread that will run this vCPU: {@code kicker} binds to it. */
    KvmCpu(int index, KvmFd fd, MemorySegment mapping, ThreadKicker kicker, Arena arena) {
        this.index = index;
        this.fd = fd;
        this.mapping = mapping;
        this.run = new KvmRun(mapping);
        this.io = new KvmIoExit(run);
        this.mmio = new KvmMmioExit(run);
        this.kicker = kicker;
        this.runErrno = Posix.newErrnoBuffer(arena);
        this.regs = arena.allocate(KvmRegs.REGS);
        this.sregs = arena.allocate(KvmRegs.SREGS);
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public ExitReason run() {
        if (Thread.currentThread() != kicker.owner()) {
            throw new IllegalStateException("vCPU " + index + " runs on " + Thread.currentThread().getName()
                    + " but was created on " + kicker.owner().getName() + ", which kicks would signal");
        }
        while (true) {
            int rc;
            kicker.enter();
            try {
                rc = Ioctl.call(runErrno, fd.fd(), KVM_RUN, 0L);
            } finally {
                kicker.leave();
            }
            if (rc >= 0) {
                lastErrno = 0;
                return lastReason = ExitDecoder.decode(run, io, mmio);
            }
            int errno = Posix.errno(runErrno);
            if (errno == Posix.EINTR) {
                // A kick (or another signal): re-arm, so the processor can run again.
                run.clearImmediateExit();
                lastErrno = errno;
                return lastReason = ExitReason.STOPPED;
            }
            // EAGAIN: an AP woke from waiting for INIT/SIPI; KVM wants KVM_RUN again.
            if (errno != Posix.EAGAIN) {
                throw new KvmException(KvmIoctl.KVM_RUN.name(), errno);
            }
        }
    }

    @Override
    public IoExit io() {
        return io;
    }

    @Override
    public MmioExit mmio() {
        return mmio;
    }

    @Override
    public void kick() {
        run.requestImmediateExit();
        kicker.kick();
    }

    @Override
    public synchronized CpuState state() {
        fd.ioctl(KvmIoctl.KVM_GET_REGS, regs);
        fd.ioctl(KvmIoctl.KVM_GET_SREGS, sregs);
        return new CpuState(KvmRegs.readRegs(regs), KvmRegs.readSregs(sregs));
    }

    /** Read-modify-write of the sregs, so state CpuState does not hold (a pending interrupt) survives. */
    @Override
    public synchronized void setState(CpuState state) {
        fd.ioctl(KvmIoctl.KVM_GET_SREGS, sregs);
        KvmRegs.writeSregs(sregs, state.sregs());
        fd.ioctl(KvmIoctl.KVM_SET_SREGS, sregs);
        KvmRegs.writeRegs(regs, state.regs());
        fd.ioctl(KvmIoctl.KVM_SET_REGS, regs);
    }

    /**
     * KVM_SET_GUEST_DEBUG: single-step, and breakpoints in the four debug address registers
     * (hardware breakpoints, so guest memory is not patched); more than four cannot be had.
     */
    @Override
    public synchronized boolean setGuestDebug(jvisor.engine.GuestDebug debug) {
        long[] bps = debug.breakpoints();
        if (bps.length > 4) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment d = arena.allocate(KvmStructs.GUEST_DEBUG);
            int control = 0;
            if (debug.active()) {
                control = KvmConst.KVM_GUESTDBG_ENABLE | (debug.singleStep() ? KvmConst.KVM_GUESTDBG_SINGLESTEP : 0)
                        | (bps.length > 0 ? KvmConst.KVM_GUESTDBG_USE_HW_BP : 0);
            }
            d.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, control);
            long dr7 = 0;
            for (int i = 0; i < bps.length; i++) {
                d.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8 + 8L * i, bps[i]);
                dr7 |= 1L << (2 * i); // local enable; R/W and LEN 0: break on execution
            }
            d.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8 + 8L * 7, dr7);
            fd.ioctl(KvmIoctl.KVM_SET_GUEST_DEBUG, d);
        }
        return true;
    }

    @Override
    public String describeExit() {
        return ExitDescription.of(lastReason, lastErrno, run, io, mmio);
    }

    /** KVM's run state of this processor (KVM_MP_STATE_*): an AP waits in UNINITIALIZED for INIT/SIPI. */
    int mpState() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(KvmStructs.MP_STATE);
            fd.ioctl(KvmIoctl.KVM_GET_MP_STATE, state);
            return (int) KvmStructs.MP_STATE_VALUE.get(state, 0L);
        }
    }

    /** Whether the owner thread is inside KVM_RUN now (tests use it to kick a blocked processor). */
    boolean insideRun() {
        return kicker.inside();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Posix.munmap(mapping);
            fd.close();
        }
    }
}

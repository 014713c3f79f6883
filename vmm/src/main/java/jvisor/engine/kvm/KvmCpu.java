package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jvisor.engine.CpuState;
import jvisor.engine.DebugRegisters;
import jvisor.engine.DebugStop;
import jvisor.engine.ExitReason;
import jvisor.engine.FpuRegisters;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestDebug;
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
    /** kvm_xsave where the kernel has KVM_GET_XSAVE (the exact FXSAVE image), else kvm_fpu (no MXCSR). */
    private final MemorySegment fpu;
    private final boolean xsave;
    /** KVM_SET_GUEST_DEBUG flags this KVM takes beyond the basic ones (KVM_CAP_SET_GUEST_DEBUG2). */
    private final int debugFlags;
    /** What each debug address register watches, as set by {@link #setGuestDebug}; null = unused. */
    private final DebugStop[] debugSlots = new DebugStop[4];
    private DebugStop lastDebugStop;
    private ExitReason lastReason;
    private int lastErrno;
    private boolean closed;

    /** On the thread that will run this vCPU: {@code kicker} binds to it. */
    KvmCpu(int index, KvmFd fd, MemorySegment mapping, ThreadKicker kicker, Arena arena) {
        this(index, fd, mapping, kicker, arena, 0, false);
    }

    KvmCpu(int index, KvmFd fd, MemorySegment mapping, ThreadKicker kicker, Arena arena, int debugFlags,
            boolean xsave) {
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
        this.fpu = arena.allocate(xsave ? KvmStructs.XSAVE : KvmStructs.FPU);
        this.xsave = xsave;
        this.debugFlags = debugFlags;
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
                lastReason = ExitDecoder.decode(run, io, mmio);
                if (lastReason == ExitReason.DEBUG) {
                    lastDebugStop = decodeDebugExit(debugSlots, run.debugException(), run.debugDr6(), run.debugPc());
                }
                return lastReason;
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
        fd.ioctl(xsave ? KvmIoctl.KVM_GET_XSAVE : KvmIoctl.KVM_GET_FPU, fpu);
        return new CpuState(KvmRegs.readRegs(regs), KvmRegs.readSregs(sregs),
                xsave ? KvmFpu.readXsave(fpu) : KvmFpu.read(fpu));
    }

    /** Read-modify-write of the sregs, so state CpuState does not hold (a pending interrupt) survives. */
    @Override
    public synchronized void setState(CpuState state) {
        fd.ioctl(KvmIoctl.KVM_GET_SREGS, sregs);
        KvmRegs.writeSregs(sregs, state.sregs());
        fd.ioctl(KvmIoctl.KVM_SET_SREGS, sregs);
        KvmRegs.writeRegs(regs, state.regs());
        fd.ioctl(KvmIoctl.KVM_SET_REGS, regs);
        if (state.fpu() != null && xsave) {
            fd.ioctl(KvmIoctl.KVM_GET_XSAVE, fpu); // keeps the AVX and other components as they are
            KvmFpu.writeXsave(fpu, state.fpu());
            fd.ioctl(KvmIoctl.KVM_SET_XSAVE, fpu);
        } else if (state.fpu() != null) {
            KvmFpu.write(fpu, state.fpu());
            fd.ioctl(KvmIoctl.KVM_SET_FPU, fpu);
        }
    }

    /**
     * After a HYPERCALL exit (KVM_EXIT_XEN with KVM_EXIT_XEN_HCALL: jvisor asked KVM to intercept
     * every VMCALL/VMMCALL): KVM writes {@code rax} and steps past the instruction when it
     * completes the call at the next KVM_RUN, as it does for its own hypercalls.
     */
    @Override
    public void answerHypercall(long rax) {
        if (lastReason == ExitReason.HYPERCALL && run.exitReason() == KvmConst.KVM_EXIT_XEN) {
            run.setXenHcallResult(rax);
            return;
        }
        VirtualCpu.super.answerHypercall(rax);
    }

    /**
     * KVM_SET_GUEST_DEBUG: single-step, and breakpoints and watchpoints in the four debug address
     * registers (so guest memory is never patched); what needs more than four, or a read-only
     * watchpoint (x86 debug registers watch writes, or reads and writes), cannot be had.
     */
    @Override
    public synchronized boolean setGuestDebug(GuestDebug debug) {
        DebugStop[] slots = new DebugStop[4];
        long[] address = new long[4];
        long dr7 = 0;
        int n = 0;
        if (debug.addressRegisters() > slots.length) {
            return false;
        }
        for (long bp : debug.breakpoints()) {
            slots[n] = new DebugStop(DebugStop.Cause.BREAKPOINT, bp, null);
            address[n] = bp;
            dr7 |= DebugRegisters.enable(n, DebugRegisters.RW_EXECUTE, 1);
            n++;
        }
        for (GuestDebug.Watchpoint w : debug.watchpoints()) {
            if (w.access() == GuestDebug.Access.READ) {
                return false;
            }
            int rw = w.access() == GuestDebug.Access.WRITE ? DebugRegisters.RW_WRITE : DebugRegisters.RW_ACCESS;
            for (long[] piece : GuestDebug.pieces(w.address(), w.length())) {
                slots[n] = new DebugStop(DebugStop.Cause.WATCHPOINT, w.address(), w.access());
                address[n] = piece[0];
                dr7 |= DebugRegisters.enable(n, rw, (int) piece[1]);
                n++;
            }
        }
        int control = 0;
        if (debug.active()) {
            control = KvmConst.KVM_GUESTDBG_ENABLE | (n > 0 ? KvmConst.KVM_GUESTDBG_USE_HW_BP : 0);
            if (debug.singleStep()) {
                // Without BLOCKIRQ a pending interrupt would make the step land in its handler.
                control |= KvmConst.KVM_GUESTDBG_SINGLESTEP | (debugFlags & KvmConst.KVM_GUESTDBG_BLOCKIRQ);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment d = arena.allocate(KvmStructs.GUEST_DEBUG);
            d.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, control);
            for (int i = 0; i < n; i++) {
                d.set(java.lang.foreign.ValueLayout.JAVA_LONG, DEBUGREG + 8L * i, address[i]);
            }
            d.set(java.lang.foreign.ValueLayout.JAVA_LONG, DEBUGREG + 8L * 7, n > 0 ? dr7 | DebugRegisters.DR7_EXACT : 0);
            fd.ioctl(KvmIoctl.KVM_SET_GUEST_DEBUG, d);
        }
        System.arraycopy(slots, 0, debugSlots, 0, slots.length);
        return true;
    }

    private static final long DEBUGREG = KvmStructs.GUEST_DEBUG.byteOffset(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("arch"),
            java.lang.foreign.MemoryLayout.PathElement.groupElement("debugreg"));

    private static final int DB_VECTOR = 1;

    /** KVM_EXIT_DEBUG's DR6 says which debug register fired (B0-B3) or that a step ended (BS). */
    static DebugStop decodeDebugExit(DebugStop[] slots, int exception, long dr6, long pc) {
        if (exception == DB_VECTOR) {
            for (int i = 0; i < 4; i++) {
                if ((dr6 & (1L << i)) != 0 && slots[i] != null) {
                    return slots[i];
                }
            }
        }
        if ((dr6 & DebugRegisters.DR6_BS) != 0) {
            return DebugStop.step();
        }
        // #BP (a guest's own INT3 is not intercepted, so this should not come) or a DR6 we cannot read.
        return new DebugStop(DebugStop.Cause.BREAKPOINT, pc, null);
    }

    @Override
    public DebugStop debugStop() {
        return lastDebugStop;
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

package jvisor.debug.gdb;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import jvisor.boot.BadInputException;
import jvisor.boot.DebugOptions;
import jvisor.core.InitFunction;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.core.Vmm;
import jvisor.debug.DebugAgent;
import jvisor.engine.CpuState;
import jvisor.engine.DebugStop;
import jvisor.engine.GuestDebug;

/**
 * A gdb remote stub for the whole VM (all-stop): every processor is a gdb thread (thread N + 1 is
 * processor N). When one processor stops for a breakpoint or a step, or gdb interrupts, every
 * processor parks in {@link #park} on its own thread, taking a snapshot of its state; gdb's reads
 * and writes go to the snapshots, and each processor loads its own back (with the breakpoints and
 * its step) when gdb resumes it. One client at a time. {@code D} resumes the VM; a connection
 * that breaks (hostile framing, gdb killed) only drops its breakpoints and leaves the VM as it
 * stood, stopped or running, for the next connection, as QEMU does.
 */
public final class GdbStub implements DebugAgent, AutoCloseable {
    static final int STAY = 0;
    static final int CONTINUE = 1;
    static final int STEP = 2;
    static final long ATTACH_WAIT_MS = 2000;

    private final Vmm vmm;
    private final int count;
    private final Object lock = new Object();
    private final CpuState[] states;
    private final boolean[] dirty;
    private final boolean[] parked;
    private final boolean[] started;
    private final int[] action;
    private final TreeSet<Long> breakpoints = new TreeSet<>();
    /** gdb's watchpoints (Z2-Z4); the guest's own debug registers stay its own. */
    private final List<GuestDebug.Watchpoint> watchpoints = new ArrayList<>();
    static final int MAX_WATCHPOINTS = 64;
    private boolean haltRequested;
    /** The processor whose stop gdb has not heard of yet, -1 if none; and the signal to report. */
    private int stopCpu = -1;
    private int stopSignal;
    /** Why stopCpu stopped, where its engine says (a watchpoint's address goes into the stop reply). */
    private DebugStop stopWhy;
    private final ServerSocket server;
    private volatile boolean closed;
    private volatile Socket client;
    private final GdbSession session;
    /** kvm has four debug address registers; emu's breakpoints are a set. */
    private final int maxBreakpoints;
    private final boolean kvm;
    private volatile Thread thread;

    GdbStub(Vmm vmm, ServerSocket server, boolean waitForGdb) {
        this.vmm = vmm;
        this.count = vmm.cpuCount();
        this.states = new CpuState[count];
        this.dirty = new boolean[count];
        this.parked = new boolean[count];
        this.started = new boolean[count];
        this.action = new int[count];
        this.server = server;
        this.haltRequested = waitForGdb;
        if (waitForGdb) {
            stopCpu = 0;
            stopSignal = 5;
        }
        this.session = new GdbSession(this);
        this.kvm = vmm.engine().kind() == jvisor.engine.EngineKind.KVM;
        this.maxBreakpoints = kvm ? 4 : 4096;
    }

    /** The global stage: listen where --gdb says, before any processor runs. */
    @InitFunction(stage = Stage.GLOBAL, order = 4)
    public static void listen(Processor p) {
        Vmm vmm = p.vmm();
        DebugOptions o = vmm.config().debug();
        if (o.gdb() == null) {
            return;
        }
        ServerSocket server;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(o.gdbHost()), o.gdbPort()));
        } catch (IOException e) {
            throw new BadInputException("--gdb " + o.gdb() + ": cannot listen: " + e.getMessage());
        }
        GdbStub stub = new GdbStub(vmm, server, o.gdbWait());
        vmm.provide(DebugAgent.class, stub);
        vmm.onTeardown(stub);
        vmm.console().log().println("jvisor: gdb stub listening on " + o.gdbHost() + ":" + server.getLocalPort()
                + (o.gdbWait() ? "; the guest waits for gdb" : ""));
        stub.thread = Thread.ofPlatform().daemon().name("gdb-stub").start(stub::serve);
    }

    int processors() {
        return count;
    }

    Vmm vmm() {
        return vmm;
    }

    // ---- the processors' side ----

    @Override
    public void enterMainLoop(Processor p) {
        synchronized (lock) {
            started[p.number()] = true;
        }
        park(p);
    }

    @Override
    public void stopped(Processor p, boolean debugEvent) {
        if (debugEvent) {
            synchronized (lock) {
                if (stopCpu < 0) {
                    stopCpu = p.number();
                    stopSignal = 5;
                    stopWhy = p.vcpu().debugStop();
                }
                haltRequested = true;
                lock.notifyAll();
            }
            kickAll();
        }
        park(p);
    }

    /** Parks {@code p} while the debugger holds the VM; returns at once otherwise. */
    private void park(Processor p) {
        int n = p.number();
        synchronized (lock) {
            if (!haltRequested || closed) {
                return;
            }
            states[n] = p.vcpu().state();
            parked[n] = true;
            lock.notifyAll();
            try {
                while (action[n] == STAY && !closed && !vmm.stopping()) {
                    lock.wait(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int a = action[n];
            action[n] = STAY;
            parked[n] = false;
            if (dirty[n]) {
                p.vcpu().setState(states[n]);
                dirty[n] = false;
            }
            long[] bps = closed ? new long[0] : breakpoints.stream().mapToLong(Long::longValue).toArray();
            List<GuestDebug.Watchpoint> wps = closed ? List.of() : List.copyOf(watchpoints);
            if (kvm && a != STAY && breakpoints.contains(states[n].regs().rip())) {
                // Leaving a hardware breakpoint: RF keeps it from firing again on the same instruction.
                var r = states[n].regs();
                long[] g = r.toArray();
                p.vcpu().setState(states[n].withRegs(jvisor.engine.GeneralRegisters.fromArray(g, r.rip(), r.rflags() | (1L << 16))));
            }
            p.vcpu().setGuestDebug(new GuestDebug(a == STEP && !closed, bps, wps));
        }
    }

    private void kickAll() {
        for (int i = 0; i < count; i++) {
            Processor q = vmm.processor(i);
            if (q.hasVcpu()) {
                q.vcpu().kick();
            }
        }
    }

    // ---- the stub's side (gdb's requests, on the stub thread) ----

    /** Stops every processor and waits (a bounded time) until those running the guest are parked. */
    void haltAll(int thread, int signal) {
        synchronized (lock) {
            haltRequested = true;
            if (stopCpu < 0) {
                stopCpu = thread;
                stopSignal = signal;
            }
        }
        kickAll();
    }

    /**
     * Waits for a stop to report; returns its processor, or -1 if the VM ended first. Without a
     * link (gdb just connected) it waits at most {@link #ATTACH_WAIT_MS} for the processors to park:
     * one that halted for good never will, and gdb must still get an answer.
     */
    int awaitStop(GdbPackets link, Socket socket) throws IOException {
        long deadline = System.nanoTime() + ATTACH_WAIT_MS * 1_000_000L;
        while (true) {
            synchronized (lock) {
                if (stopCpu >= 0 && parked[stopCpu] && allParked()) {
                    return stopCpu;
                }
                if (link == null && System.nanoTime() - deadline > 0 && !vmm.stopping()) {
                    for (int i = 0; i < count; i++) {
                        if (parked[i]) {
                            stopCpu = i;
                            return i;
                        }
                    }
                }
                if (vmm.stopping() || closed) {
                    return -1;
                }
            }
            if (link == null) {
                synchronized (lock) {
                    try {
                        lock.wait(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1;
                    }
                }
                continue;
            }
            socket.setSoTimeout(50);
            try {
                String p = link.read();
                if (p.equals("\u0003")) {
                    haltAll(0, 2);
                }
                // Anything else while running is a client error; gdb sends nothing but ^C here.
            } catch (SocketTimeoutException e) {
                // poll again
            } finally {
                socket.setSoTimeout(0);
            }
        }
    }

    /** Whether every processor that entered the main loop is parked (those elsewhere cannot stop). */
    private boolean allParked() {
        for (int i = 0; i < count; i++) {
            if (started[i] && !parked[i]) {
                return false;
            }
        }
        return true;
    }

    int stopSignal() {
        synchronized (lock) {
            return stopSignal;
        }
    }

    /** Resumes: {@code actions[i]} for processor i (STAY keeps it parked). */
    void resume(int[] actions) {
        synchronized (lock) {
            haltRequested = false;
            stopCpu = -1;
            stopWhy = null;
            for (int i = 0; i < count; i++) {
                if (parked[i]) {
                    action[i] = actions[i];
                }
            }
            // A processor left parked stays so; it counts as halted for the next stop.
            haltRequested = false;
            lock.notifyAll();
        }
    }

    /** The parked state of processor {@code n}, or null if it is not parked. */
    CpuState state(int n) {
        synchronized (lock) {
            return parked[n] ? states[n] : null;
        }
    }

    boolean setState(int n, CpuState s) {
        synchronized (lock) {
            if (!parked[n]) {
                return false;
            }
            states[n] = s;
            dirty[n] = true;
            return true;
        }
    }

    boolean isParked(int n) {
        synchronized (lock) {
            return parked[n];
        }
    }

    boolean addBreakpoint(long address) {
        synchronized (lock) {
            if (breakpoints.contains(address)) {
                return true;
            }
            long[] bps = breakpoints.stream().mapToLong(Long::longValue).toArray();
            long[] more = java.util.Arrays.copyOf(bps, bps.length + 1);
            more[bps.length] = address;
            if (kvm ? new GuestDebug(false, more, watchpoints).addressRegisters() > maxBreakpoints
                    : breakpoints.size() >= maxBreakpoints) {
                return false;
            }
            return breakpoints.add(address);
        }
    }

    /** What {@link #addWatchpoint} can answer. */
    enum Added { OK, FULL, UNSUPPORTED }

    /**
     * emu watches in the engine itself: up to {@link #MAX_WATCHPOINTS} of any kind. kvm watches
     * with the debug registers: writes or accesses (not reads alone), in the four address
     * registers that breakpoints use too.
     */
    Added addWatchpoint(GuestDebug.Watchpoint w) {
        synchronized (lock) {
            if (watchpoints.contains(w)) {
                return Added.OK;
            }
            if (!kvm) {
                if (watchpoints.size() >= MAX_WATCHPOINTS) {
                    return Added.FULL;
                }
                watchpoints.add(w);
                return Added.OK;
            }
            if (w.access() == GuestDebug.Access.READ) {
                return Added.UNSUPPORTED;
            }
            List<GuestDebug.Watchpoint> more = new ArrayList<>(watchpoints);
            more.add(w);
            long[] bps = breakpoints.stream().mapToLong(Long::longValue).toArray();
            if (new GuestDebug(false, bps, more).addressRegisters() > maxBreakpoints) {
                return Added.FULL;
            }
            watchpoints.add(w);
            return Added.OK;
        }
    }

    void removeWatchpoint(GuestDebug.Watchpoint w) {
        synchronized (lock) {
            watchpoints.remove(w);
        }
    }

    /** The stop reply's reason for {@code cpu}'s stop: "watch:ADDR;" and the like, or "". */
    String stopReason(int cpu) {
        synchronized (lock) {
            DebugStop why = cpu == stopCpu ? stopWhy : null;
            if (why == null || why.cause() != DebugStop.Cause.WATCHPOINT) {
                return "";
            }
            String kind = switch (why.access()) {
                case WRITE -> "watch";
                case READ -> "rwatch";
                case ACCESS -> "awatch";
            };
            return kind + ":" + Long.toHexString(why.address()) + ";";
        }
    }

    void removeBreakpoint(long address) {
        synchronized (lock) {
            breakpoints.remove(address);
        }
    }

    /** The connection broke: forget its breakpoints; parked processors stay parked for the next gdb. */
    private void dropConnection() {
        synchronized (lock) {
            breakpoints.clear();
            watchpoints.clear();
            stopCpu = -1;
        }
    }

    /** gdb detached (or the session ended): forget its breakpoints and let the VM run. */
    void detach() {
        synchronized (lock) {
            breakpoints.clear();
            watchpoints.clear();
            for (int i = 0; i < count; i++) {
                if (parked[i]) {
                    action[i] = CONTINUE;
                }
            }
            haltRequested = false;
            stopCpu = -1;
            lock.notifyAll();
        }
    }

    private void serve() {
        while (!closed && !vmm.stopping()) {
            try (Socket s = server.accept()) {
                client = s;
                s.setTcpNoDelay(true);
                GdbPackets link = new GdbPackets(new BufferedInputStream(s.getInputStream()),
                        new BufferedOutputStream(s.getOutputStream()));
                vmm.console().log().println("jvisor: gdb connected from " + s.getRemoteSocketAddress());
                session.run(link, s);
                detach();
            } catch (IOException e) {
                if (!closed) {
                    vmm.console().log().println("jvisor: gdb connection ended: " + e.getMessage());
                }
                dropConnection();
            } finally {
                client = null;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        Thread t = thread;
        if (t != null && client != null) {
            try {
                t.join(1000); // let the session tell gdb that the guest exited
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            server.close();
            Socket c = client;
            if (c != null) {
                c.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }
}

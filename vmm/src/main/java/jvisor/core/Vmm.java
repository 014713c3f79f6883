package jvisor.core;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.engine.CpuState;
import jvisor.engine.Engine;
import jvisor.engine.GuestMemory;

/**
 * The VMM's own state for one run: what BitVisor keeps in globals, passed explicitly. Slots are
 * filled once by the init functions of the global stage and by create_pass_vm; reading a slot
 * before its stage ran is a jvisor bug and throws.
 */
public final class Vmm {
    private final BootConfig config;
    private final Console console;
    private final BootTrace trace;
    private final InitRegistry initfuncs;
    private final Processor[] processors;
    private final ExitStats[] stats;
    private final CyclicBarrier barrier;
    private final AtomicReference<ShutdownCause> shutdown = new AtomicReference<>();
    private final AtomicInteger haltedProcessors = new AtomicInteger();
    private final Deque<AutoCloseable> teardown = new ArrayDeque<>();
    private final long startNanos = System.nanoTime();

    private final Object pauseLock = new Object();
    private boolean paused;
    private int parked;
    private int inMainLoop;

    private volatile Engine engine;
    private volatile GuestMemory ram;
    private volatile CpuState bootState;
    private volatile jvisor.engine.BiosPlatformState biosPlatformState;
    private volatile PassVm vm;
    private final java.util.Map<Class<?>, Object> resources = new java.util.concurrent.ConcurrentHashMap<>();
    private final jvisor.core.vmmcall.Vmmcall vmmcall = new jvisor.core.vmmcall.Vmmcall();

    Vmm(BootConfig config, Console console, InitRegistry initfuncs) {
        this.config = config;
        this.console = console;
        this.trace = new BootTrace(console.log(), config.traceBoot());
        this.initfuncs = initfuncs;
        this.processors = new Processor[config.cpus()];
        this.stats = new ExitStats[config.cpus()];
        for (int i = 0; i < processors.length; i++) {
            processors[i] = new Processor(i, this);
            stats[i] = new ExitStats();
        }
        this.barrier = new CyclicBarrier(config.cpus());
    }

    public BootConfig config() {
        return config;
    }

    public Console console() {
        return console;
    }

    public BootTrace trace() {
        return trace;
    }

    InitRegistry initfuncs() {
        return initfuncs;
    }

    public Processor bsp() {
        return processors[0];
    }

    public Processor processor(int n) {
        return processors[n];
    }

    public int cpuCount() {
        return processors.length;
    }

    ExitStats stats(int processor) {
        return stats[processor];
    }

    AtomicInteger haltedProcessors() {
        return haltedProcessors;
    }

    /** Prints the exit counters so far (what {@code --stats} prints at the end). */
    public void printStats(java.io.PrintStream out) {
        VmmReport.printStats(this, out);
    }

    /** Nanoseconds since vmm_main began. */
    public long uptimeNanos() {
        return System.nanoTime() - startNanos;
    }

    /** The named hypercalls (BitVisor's vmmcall table). */
    public jvisor.core.vmmcall.Vmmcall vmmcall() {
        return vmmcall;
    }

    public Engine engine() {
        return require(engine, "engine");
    }

    public void setEngine(Engine e) {
        engine = e;
        onTeardown(e);
    }

    public GuestMemory ram() {
        return require(ram, "guest RAM");
    }

    public void setRam(GuestMemory m) {
        ram = m;
        onTeardown(m);
    }

    /** The BSP's state at the guest's entry point, set by the guest loader. */
    public CpuState bootState() {
        return require(bootState, "boot state");
    }

    public void setBootState(CpuState s) {
        bootState = s;
    }

    /** The PICs and the PIT as the loader's stand-in firmware leaves them, if it sets them. */
    public java.util.Optional<jvisor.engine.BiosPlatformState> biosPlatformState() {
        return java.util.Optional.ofNullable(biosPlatformState);
    }

    public void setBiosPlatformState(jvisor.engine.BiosPlatformState s) {
        biosPlatformState = s;
    }

    public PassVm vm() {
        return require(vm, "pass-through VM");
    }

    public boolean hasVm() {
        return vm != null;
    }

    void setVm(PassVm v) {
        vm = v;
        onTeardown(v);
    }

    /**
     * Keeps a host resource the global stage opened (disk images, say) for the stage that uses it;
     * one per type.
     */
    public <T> void provide(Class<T> type, T resource) {
        if (resources.putIfAbsent(type, resource) != null) {
            throw new IllegalStateException("a second " + type.getSimpleName());
        }
    }

    /** What {@link #provide} kept for {@code type}. */
    public <T> java.util.Optional<T> provided(Class<T> type) {
        return java.util.Optional.ofNullable(type.cast(resources.get(type)));
    }

    /** Registers something to close when the VMM ends, in reverse order of registration. */
    public synchronized void onTeardown(AutoCloseable resource) {
        teardown.push(resource);
    }

    /**
     * Records why the VM stops (the first cause wins) and makes every processor stop promptly:
     * processors waiting at a barrier are released, running ones are kicked out of the guest.
     */
    public void requestShutdown(ShutdownCause cause) {
        if (!shutdown.compareAndSet(null, cause)) {
            return;
        }
        barrier.reset();
        synchronized (pauseLock) {
            pauseLock.notifyAll();
        }
        for (Processor p : processors) {
            if (p.hasVcpu()) {
                p.vcpu().kick();
            }
        }
    }

    public boolean stopping() {
        return shutdown.get() != null;
    }

    /**
     * Stops every processor at its next exit and waits until all that run the guest are parked,
     * so their state can be read from this thread (the console monitor does this).
     */
    public void pause() {
        synchronized (pauseLock) {
            paused = true;
        }
        for (Processor p : processors) {
            if (p.hasVcpu()) {
                p.vcpu().kick();
            }
        }
        synchronized (pauseLock) {
            while (parked < inMainLoop && !stopping()) {
                try {
                    pauseLock.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    public void resume() {
        synchronized (pauseLock) {
            paused = false;
            pauseLock.notifyAll();
        }
    }

    public boolean paused() {
        synchronized (pauseLock) {
            return paused;
        }
    }

    void enterMainLoop() {
        synchronized (pauseLock) {
            inMainLoop++;
        }
    }

    void leaveMainLoop() {
        synchronized (pauseLock) {
            inMainLoop--;
            pauseLock.notifyAll();
        }
    }

    /** Called by a processor whose run() returned STOPPED: waits while the VMM is paused. */
    void parkWhilePaused() {
        synchronized (pauseLock) {
            if (!paused) {
                return;
            }
            parked++;
            pauseLock.notifyAll();
            try {
                while (paused && !stopping()) {
                    pauseLock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                parked--;
            }
        }
    }

    public ShutdownCause shutdownCause() {
        return shutdown.get();
    }

    /** BitVisor's {@code sync_all_processors}. Throws {@link ProcessorAbort} if the VMM is stopping. */
    void syncAllProcessors(Processor p) {
        if (stopping()) {
            throw new ProcessorAbort();
        }
        try {
            barrier.await();
        } catch (BrokenBarrierException e) {
            throw new ProcessorAbort();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProcessorAbort();
        }
    }

    void closeAll() {
        while (true) {
            AutoCloseable r;
            synchronized (this) {
                r = teardown.poll();
            }
            if (r == null) {
                return;
            }
            try {
                r.close();
            } catch (Exception e) {
                console.log().println("jvisor: teardown of " + r.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
    }

    private static <T> T require(T value, String what) {
        if (value == null) {
            throw new IllegalStateException(what + " used before the stage that creates it");
        }
        return value;
    }

    /** Unwinds a processor thread quietly because another one stopped the VMM. */
    static final class ProcessorAbort extends RuntimeException {
        ProcessorAbort() {
            super(null, null, false, false);
        }
    }
}

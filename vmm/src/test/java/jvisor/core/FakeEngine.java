package jvisor.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import jvisor.bus.IrqLine;
import jvisor.engine.BiosPlatformState;
import jvisor.engine.CpuState;
import jvisor.engine.Engine;
import jvisor.engine.EngineKind;
import jvisor.engine.ExitReason;
import jvisor.engine.GuestIo;
import jvisor.engine.IoExit;
import jvisor.engine.MmioExit;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;

/**
 * An engine whose processors follow a script instead of running guest code, so the boot path,
 * the main loop and shutdown can be tested without kvm or emu. Each processor's script is asked
 * for the next exit each time the main loop calls run().
 */
final class FakeEngine implements Engine {
    /** Produces processor {@code cpu}'s next exit; may use the processor's GuestIo or block. */
    interface Script extends BiFunction<FakeCpu, Integer, ExitReason> { }

    final List<FakeCpu> cpus = new ArrayList<>();
    final List<String> irqEvents = new ArrayList<>();
    /** What the VMM set with {@link VirtualMachine#setBiosPlatformState}, in order. */
    final List<BiosPlatformState> biosPlatformStates = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Script script;
    volatile boolean closed;

    FakeEngine(Script script) {
        this.script = script;
    }

    @Override
    public EngineKind kind() {
        return EngineKind.EMU;
    }

    @Override
    public String description() {
        return "fake engine for tests";
    }

    @Override
    public VirtualMachine createVm(VmSpec spec) {
        return new VirtualMachine() {
            @Override
            public VirtualCpu createCpu(int index, GuestIo io) {
                FakeCpu cpu = new FakeCpu(index, io);
                synchronized (cpus) {
                    cpus.add(cpu);
                }
                return cpu;
            }

            @Override
            public IrqLine irqLine(int gsi) {
                return level -> {
                    synchronized (irqEvents) {
                        irqEvents.add(gsi + "=" + level);
                    }
                };
            }

            @Override
            public void signalMsi(long address, int data) {
                synchronized (irqEvents) {
                    irqEvents.add(String.format("msi %x=%x", address, data));
                }
            }

            @Override
            public void setBiosPlatformState(BiosPlatformState state) {
                biosPlatformStates.add(state);
            }

            @Override
            public void close() { }
        };
    }

    @Override
    public void close() {
        closed = true;
    }

    final class FakeCpu implements VirtualCpu, IoExit {
        final int index;
        final GuestIo io;
        private CpuState state;
        private final Semaphore kicks = new Semaphore(0);
        private volatile int calls;

        int calls() {
            return calls;
        }
        int lastIn = -1;
        private int pendingPort = -1;

        FakeCpu(int index, GuestIo io) {
            this.index = index;
            this.io = io;
            this.state = CpuState.reset(index == 0);
        }

        /** Blocks like a halted processor until kicked. */
        ExitReason waitForKick() {
            try {
                kicks.tryAcquire(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ExitReason.STOPPED;
        }

        /** Makes the next IO exit an IN from {@code port}. */
        ExitReason in(int port) {
            pendingPort = port;
            return ExitReason.IO;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public ExitReason run() {
            if (kicks.tryAcquire()) {
                return ExitReason.STOPPED;
            }
            return script.apply(this, calls++);
        }

        @Override
        public IoExit io() {
            return this;
        }

        @Override
        public MmioExit mmio() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CpuState state() {
            return state;
        }

        @Override
        public void setState(CpuState s) {
            state = s;
        }

        @Override
        public void kick() {
            kicks.release();
        }

        @Override
        public String describeExit() {
            return "fake exit #" + calls;
        }

        // IoExit of a one-byte IN from pendingPort
        @Override
        public int port() {
            return pendingPort;
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public boolean isWrite() {
            return false;
        }

        @Override
        public int count() {
            return 1;
        }

        @Override
        public int value(int i) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setValue(int i, int value) {
            lastIn = value;
        }
    }
}

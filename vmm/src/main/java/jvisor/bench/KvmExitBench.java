package jvisor.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import jvisor.boot.BadInputException;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PcLayout;
import jvisor.bus.PortBus;
import jvisor.bus.PortHandler;
import jvisor.core.ExitStats;
import jvisor.core.IoDispatch;
import jvisor.engine.CpuState;
import jvisor.engine.DescriptorTable;
import jvisor.engine.ExitReason;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.GuestMemory;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;
import jvisor.engine.kvm.KvmEngine;
import jvisor.sys.Mincore;

/**
 * {@code ./jvisor bench exit}: the I/O-exit round trip on kvm, jvisor against C. Both run the same
 * 32-bit loop ({@code out 0x80, al / dec ecx / jnz} N times, then {@code out 0xf4, al}) in a VM
 * set up the same way; jvisor's side goes through the kvm engine and the core's {@link IoDispatch}
 * to a port handler, as the main loop does. Also reports the VMM's start-up time (process start to
 * the first KVM_RUN) and its resident memory without guest RAM.
 */
final class KvmExitBench {
    private KvmExitBench() { }

    static final int DEFAULT_ITERATIONS = 200_000;
    static final int DEFAULT_ROUNDS = 5;
    static final double TARGET_RATIO = 1.10;
    /** Enough exits for HotSpot to compile the exit path before the measured pass. */
    static final long MIN_WARMUP = 50_000;
    private static final long CODE = 0x1000;
    private static final long RAM = 2L << 20;
    /** loop: out 0x80, al / dec ecx / jnz loop / out 0xf4, al / hlt */
    static final byte[] GUEST = {(byte) 0xE6, (byte) 0x80, 0x49, 0x75, (byte) 0xFB, (byte) 0xE6, (byte) 0xF4, (byte) 0xF4};

    record Options(long iterations, int rounds) {
        static Options parse(List<String> args) {
            long iterations = DEFAULT_ITERATIONS;
            long rounds = DEFAULT_ROUNDS;
            for (String a : args) {
                if (a.startsWith("iterations=")) {
                    iterations = number(a, "iterations=", 0xFFFF_FFFFL);
                } else if (a.startsWith("rounds=")) {
                    rounds = number(a, "rounds=", 100);
                } else {
                    throw new BadInputException("unknown option '" + a + "' for bench exit: use iterations=N rounds=N");
                }
            }
            return new Options(iterations, (int) rounds);
        }

        private static long number(String option, String prefix, long max) {
            long n;
            try {
                n = Long.parseLong(option.substring(prefix.length()));
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > max) {
                throw new BadInputException(prefix.substring(0, prefix.length() - 1) + " must be 1 to " + max + ": " + option);
            }
            return n;
        }
    }

    /**
     * Alternates jvisor and the C reference round by round, so that a change in the host's speed
     * during the run (other tenants of a nested machine) shows in both, and reports the medians.
     */
    static int run(List<String> args) {
        Options o = Options.parse(args);
        if (!KvmEngine.deviceExists()) {
            throw new BadInputException("bench exit cannot run: /dev/kvm does not exist on this host (it measures the kvm engine)");
        }
        Instant processStart = ProcessHandle.current().info().startInstant().orElse(null);
        long warmup = Math.max(MIN_WARMUP, o.iterations() / 10);
        double[] jvisor = new double[o.rounds()];
        double[] c = new double[o.rounds()];
        System.out.printf(Locale.ROOT, "exit round trip, kvm I/O port write (%d iterations, %d exits per round):%n",
                o.iterations(), o.iterations() + 1);
        try (CReference reference = CReference.compile("kvm_exit_bench"); JvisorLoop loop = JvisorLoop.open()) {
            Instant firstRun = Instant.now();
            loop.measure(warmup);
            for (int r = 0; r < o.rounds(); r++) {
                jvisor[r] = loop.measure(o.iterations());
                c[r] = parseMicros(reference.run(Long.toString(o.iterations()), Long.toString(warmup)));
                System.out.printf(Locale.ROOT, "  round %d: C %.3f us/exit, jvisor %.3f us/exit%n", r + 1, c[r], jvisor[r]);
            }
            report(jvisor, c, firstRun, processStart, loop);
        }
        return 0;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** One vCPU of the kvm engine running the loop, dispatching exits as the main loop does. */
    private static final class JvisorLoop implements AutoCloseable {
        private final KvmEngine engine;
        private final GuestMemory ram;
        private final VirtualMachine vm;
        private final VirtualCpu cpu;
        private final IoDispatch dispatch;
        private final StopPort stop = new StopPort();

        private JvisorLoop(KvmEngine engine, GuestMemory ram) {
            this.engine = engine;
            this.ram = ram;
            PortBus ports = new PortBus();
            ports.register(PcLayout.POST_CODE, 1, new PostCode(), "post-code");
            ports.register(PcLayout.DEBUG_EXIT, 1, stop, "stop");
            ports.setDefault(new Floating(), "unhooked");
            MmioBus mmio = new MmioBus(new Floating());
            dispatch = new IoDispatch(ports, mmio, new ExitStats());
            ram.write(CODE, GUEST);
            vm = engine.createVm(new VmSpec(ram, 1, ports, mmio));
            cpu = vm.createCpu(0, dispatch);
        }

        static JvisorLoop open() {
            KvmEngine engine = KvmEngine.open(1);
            try {
                return new JvisorLoop(engine, GuestMemory.allocate(RAM));
            } catch (RuntimeException e) {
                engine.close();
                throw e;
            }
        }

        /** Runs the loop {@code iterations} times; microseconds per exit. */
        double measure(long iterations) {
            cpu.setState(loopState(iterations));
            long t0 = System.nanoTime();
            long exits = runLoop();
            long t1 = System.nanoTime();
            return (t1 - t0) / 1e3 / exits;
        }

        /** MainLoop's IO path: run, dispatch the exit to the port table, until the stop port is written. */
        private long runLoop() {
            stop.stopped = false;
            long exits = 0;
            while (!stop.stopped) {
                ExitReason reason = cpu.run();
                exits++;
                switch (reason) {
                    case IO -> dispatch.dispatch(cpu.io());
                    case STOPPED -> { }
                    default -> throw new IllegalStateException("benchmark guest stopped on " + reason + ": " + cpu.describeExit());
                }
            }
            return exits;
        }

        long guestRamResident() {
            return Mincore.residentBytes(ram.segment());
        }

        @Override
        public void close() {
            vm.close();
            ram.close();
            engine.close();
        }
    }

    /** Per-round microseconds per exit in, medians, start-up, memory and the best rounds out. */
    private static void report(double[] jvisor, double[] c, Instant firstRun, Instant processStart, JvisorLoop loop) {
        double jvisorMicros = median(jvisor);
        double cMicros = median(c);
        double ratio = jvisorMicros / cMicros;
        System.out.printf(Locale.ROOT, "  C reference (KVM_RUN loop)   %10.3f us/exit (median)%n", cMicros);
        System.out.printf(Locale.ROOT, "  jvisor kvm engine + dispatch %10.3f us/exit (median)%n", jvisorMicros);
        System.out.printf(Locale.ROOT, "  ratio jvisor/C               %10.3f   (target <= %.2f: %s)%n",
                ratio, TARGET_RATIO, ratio <= TARGET_RATIO ? "met" : "missed");
        if (processStart != null) {
            System.out.printf(Locale.ROOT, "VMM start-up, process start to first KVM_RUN: %d ms%n",
                    Duration.between(processStart, firstRun).toMillis());
        } else {
            System.out.println("VMM start-up: the process start time is not available on this host");
        }
        long rss = ProcessMemory.residentBytes();
        long guestRam = loop.guestRamResident();
        System.out.printf(Locale.ROOT, "VMM resident memory without guest RAM: %.1f MiB (VmRSS %.1f MiB - guest RAM resident %.1f MiB)%n",
                mib(rss - guestRam), mib(rss), mib(guestRam));
        double bestJvisor = Arrays.stream(jvisor).min().orElseThrow();
        double bestC = Arrays.stream(c).min().orElseThrow();
        System.out.printf(Locale.ROOT, "  best rounds: C %.3f us/exit, jvisor %.3f us/exit, ratio %.3f%n",
                bestC, bestJvisor, bestJvisor / bestC);
    }

    static double parseMicros(String output) {
        for (String token : output.trim().split("\\s+")) {
            if (token.startsWith("us_per_exit=")) {
                return Double.parseDouble(token.substring("us_per_exit=".length()));
            }
        }
        throw new IllegalStateException("the C reference printed no us_per_exit: " + output.strip());
    }

    /** 32-bit protected mode, flat segments, at the loop with ECX = {@code count}. */
    private static CpuState loopState(long count) {
        Segment code = Segment.flatCode32(0x08);
        Segment data = Segment.flatData32(0x10);
        SystemRegisters s = new SystemRegisters(code, data, data, data, data, data,
                Segment.resetTaskRegister(), Segment.resetLdt(), new DescriptorTable(0, 0), new DescriptorTable(0, 0),
                SystemRegisters.CR0_PE | SystemRegisters.CR0_ET, 0, 0, 0, 0, 0,
                SystemRegisters.APIC_BASE_DEFAULT | SystemRegisters.APIC_BASE_BSP);
        long[] r = new long[16];
        r[1] = count;
        r[4] = 0x8000;
        return new CpuState(GeneralRegisters.fromArray(r, CODE, GeneralRegisters.RFLAGS_FIXED), s);
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** Port 0x80: a device that does a little work with what it is given, as a real one would. */
    private static final class PostCode implements PortHandler {
        private int last;

        public int read(int port, int size) {
            return last;
        }

        public void write(int port, int size, int value) {
            last = value;
        }
    }

    /** Port 0xF4 ends a pass. */
    private static final class StopPort implements PortHandler {
        private boolean stopped;

        public int read(int port, int size) {
            return PortHandler.floating(size);
        }

        public void write(int port, int size, int value) {
            stopped = true;
        }
    }

    private static final class Floating implements PortHandler, MmioHandler {
        public int read(int port, int size) {
            return PortHandler.floating(size);
        }

        public void write(int port, int size, int value) { }

        public long read(long address, int size) {
            return MmioHandler.floating(size);
        }

        public void write(long address, int size, long value) { }
    }
}

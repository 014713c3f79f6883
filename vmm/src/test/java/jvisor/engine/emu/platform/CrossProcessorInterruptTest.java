package jvisor.engine.emu.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import jvisor.bus.MmioBus;
import jvisor.bus.PortBus;
import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.VirtualCpu;
import jvisor.engine.VmSpec;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.EmuTestAccess;
import jvisor.engine.emu.TestIo;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.Tsc;
import org.junit.jupiter.api.Test;

/**
 * Interrupts between two emu processors on their own threads, through the real local APICs
 * (x2APIC ICR writes): processor 0 sends processor 1 an interrupt and waits for an NMI back,
 * round after round, while processor 1 either spins on PAUSE or sleeps in HLT between them. Every
 * interrupt must arrive and be counted once. {@link #main} runs the same machine as a harness and
 * prints the time per round trip (not a test: wall-clock figures depend on the host).
 */
class CrossProcessorInterruptTest {
    private static final long COUNTS = 0x6000;   // NMIs taken by processor 0 and 1 (8 bytes each)
    private static final long IPIS = 0x6010;     // fixed IPIs taken by processor 1
    private static final long READY = 0x6018;    // processor 1 is listening
    private static final long DONE = 0x6020;     // rounds processor 0 completed
    private static final long FASTEST = 0x6028;  // the shortest round trip processor 0 saw, in TSC ticks
    private static final long UNDER_10US = 0x6030; // round trips shorter than 10 us (TSC ticks are ns)

    /**
     * At CODE: processor 0. At +0x200: processor 1 waiting by PAUSE for NMIs; at +0x300: by HLT for
     * fixed IPIs (vector 0x40), checking with interrupts off and sleeping with STI; HLT so that an
     * IPI between the check and the HLT still ends it. At +0x400 the NMI handler, at +0x500 the
     * vector 0x40 handler.
     */
    private static String guest(int rounds, boolean halted) {
        String toCpu1 = halted ? "0x4040" : "0x4400"; // fixed vector 0x40, or NMI
        return """
                .code64
                mov ecx, 0x1b
                rdmsr
                or eax, 0xc00
                wrmsr
                mov ecx, 0x80f
                mov eax, 0x1ff
                xor edx, edx
                wrmsr
                ready: pause
                cmp dword ptr [0x6018], 1
                jne ready
                xor r9d, r9d
                mov r10, -1
                round: inc r9d
                rdtsc
                shl rdx, 32
                or rax, rdx
                mov r11, rax
                mov ecx, 0x830
                mov eax, %s
                mov edx, 1
                wrmsr
                reply: pause
                cmp dword ptr [0x6000], r9d
                jne reply
                rdtsc
                shl rdx, 32
                or rax, rdx
                sub rax, r11
                cmp rax, r10
                cmovb r10, rax
                mov [0x6028], r10
                cmp rax, 10000
                jae slow
                inc qword ptr [0x6030]
                slow:
                cmp r9d, %d
                jne round
                mov dword ptr [0x6020], r9d
                cli
                hlt

                .org 0x200
                call enable
                xor r9d, r9d
                spin: inc r9d
                wait_nmi: pause
                cmp dword ptr [0x6008], r9d
                jne wait_nmi
                call answer
                jmp spin

                .org 0x300
                call enable
                xor r9d, r9d
                sleep: inc r9d
                wait_ipi: cli
                cmp dword ptr [0x6010], r9d
                je got_ipi
                sti
                hlt
                jmp wait_ipi
                got_ipi: sti
                call answer
                jmp sleep

                .org 0x400
                push rax
                push rcx
                push rdx
                mov ecx, 0x802
                rdmsr
                lock inc qword ptr [0x6000 + rax * 8]
                pop rdx
                pop rcx
                pop rax
                iretq

                .org 0x500
                push rax
                push rcx
                push rdx
                lock inc qword ptr [0x6010]
                mov ecx, 0x80b
                xor eax, eax
                xor edx, edx
                wrmsr
                pop rdx
                pop rcx
                pop rax
                iretq

                enable:
                mov ecx, 0x1b
                rdmsr
                or eax, 0xc00
                wrmsr
                mov ecx, 0x80f
                mov eax, 0x1ff
                xor edx, edx
                wrmsr
                mov dword ptr [0x6018], 1
                ret

                answer:
                mov ecx, 0x830
                mov eax, 0x4400
                xor edx, edx
                wrmsr
                ret
                """.formatted(toCpu1, rounds);
    }

    /** What a run did: rounds completed, interrupts each side took, and how long it took. */
    record Result(long rounds, long nmis0, long nmis1, long ipis1, long wallNanos, long cpuNanos, long fastestTicks,
                  long under10us) { }

    static Result run(int rounds, boolean halted) throws InterruptedException {
        try (TestMachine m = new TestMachine()) {
            m.load(TestMachine.CODE, Asm.at(TestMachine.CODE, guest(rounds, halted)));
            m.gate64(2, TestMachine.CODE + 0x400, 0, 0, false);
            m.gate64(0x40, TestMachine.CODE + 0x500, 0, 0, false);
            m.longMode(TestMachine.CODE);
            CpuState state = m.cpu.state();
            Tsc tsc = new Tsc();
            PortBus ports = new PortBus();
            MmioBus mmio = new MmioBus(null);
            PcPlatform platform = PcPlatform.build(2, ports, mmio, tsc);
            var vm = EmuTestAccess.vm(new VmSpec(m.ram, 2, ports, mmio), platform);
            VirtualCpu[] cpus = {vm.createCpu(0, new TestIo()), vm.createCpu(1, new TestIo())};
            long[] entries = {TestMachine.CODE, TestMachine.CODE + (halted ? 0x300 : 0x200)};
            ExitReason[] exits = new ExitReason[2];
            long[] cpuNanos = new long[2];
            Thread[] threads = new Thread[2];
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long start = System.nanoTime();
            for (int n = 0; n < 2; n++) {
                int k = n;
                long[] regs = new long[16];
                regs[4] = TestMachine.STACK - k * 0x1000L;
                cpus[k].setState(state.withRegs(GeneralRegisters.fromArray(regs, entries[k], 2)));
                threads[k] = Thread.ofPlatform().name("cpu" + k).start(() -> {
                    exits[k] = cpus[k].run();
                    cpuNanos[k] = mx.getCurrentThreadCpuTime();
                });
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (m.ram.read32(DONE) != rounds && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            long wall = System.nanoTime() - start;
            for (VirtualCpu cpu : cpus) {
                cpu.kick();
            }
            for (Thread t : threads) {
                t.join();
            }
            platform.close();
            return new Result(m.ram.read32(DONE), m.ram.read64(COUNTS), m.ram.read64(COUNTS + 8), m.ram.read64(IPIS),
                    wall, cpuNanos[0] + cpuNanos[1], m.ram.read64(FASTEST),
                    m.ram.read64(UNDER_10US));
        }
    }

    @Test
    void nmisBetweenTwoSpinningProcessorsAllArrive() throws InterruptedException {
        Result r = run(2_000, false);
        assertEquals(2_000, r.rounds());
        assertEquals(2_000, r.nmis1(), "processor 1 took every NMI processor 0 sent");
        assertEquals(2_000, r.nmis0(), "and processor 0 every one it answered with");
    }

    @Test
    void fixedIpisWakeAHaltedProcessorEveryTime() throws InterruptedException {
        Result r = run(2_000, true);
        assertEquals(2_000, r.rounds());
        assertEquals(2_000, r.ipis1(), "processor 1 woke from HLT for every IPI");
        assertEquals(2_000, r.nmis0());
        assertEquals(0, r.nmis1());
    }

    /** The harness: {@code rounds} round trips each way of waiting; prints microseconds per round trip. */
    public static void main(String[] args) throws InterruptedException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        boolean[] kinds = args.length > 1 ? new boolean[] {args[1].equals("hlt")} : new boolean[] {false, true};
        for (int pass = 0; pass < 3; pass++) {
            for (boolean halted : kinds) {
                Result r = run(rounds, halted);
                System.out.printf("%s: %d rounds, %.1f us/round trip wall, %.1f us CPU (both threads), fastest %.1f us,"
                                + " %.0f%% under 10 us%n",
                        halted ? "HLT + fixed IPI" : "PAUSE + NMI   ", r.rounds(), r.wallNanos() / 1e3 / rounds,
                        r.cpuNanos() / 1e3 / rounds, r.fastestTicks() * 1e6 / Tsc.HZ, 100.0 * r.under10us() / rounds);
            }
        }
    }
}

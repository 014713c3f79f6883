package jvisor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.boot.GuestImage;
import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The whole boot path on a scripted engine: stages, processors, barriers, main loop, shutdown. */
@Timeout(30)
class BootPathTest {
    private final ByteArrayOutputStream serial = new ByteArrayOutputStream();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final Console console = new Console(null,
            new PrintStream(serial, true, StandardCharsets.UTF_8), new PrintStream(log, true, StandardCharsets.UTF_8));

    /** The real init table, with the global stage replaced by one that installs {@code engine}. */
    private static InitRegistry registryWith(FakeEngine engine) {
        List<InitFunc> table = new ArrayList<>();
        table.add(new InitFunc(Stage.GLOBAL, 0, "test.fakeEngine", p -> p.vmm().setEngine(engine)));
        table.add(new InitFunc(Stage.GLOBAL, 1, "test.ram", p -> p.vmm().setRam(GuestMemory.allocate(1 << 20))));
        table.add(new InitFunc(Stage.GLOBAL, 2, "test.bootState", p -> p.vmm().setBootState(CpuState.reset(true))));
        for (InitFunc f : InitRegistry.table()) {
            if (f.stage() != Stage.GLOBAL) {
                table.add(f);
            }
        }
        return new InitRegistry(table);
    }

    private int boot(FakeEngine engine, BootConfig config) {
        return VmmMain.run(config, console, registryWith(engine));
    }

    private static BootConfig config(int cpus) {
        return BootConfig.of(new GuestImage.Builtin("none")).withCpus(cpus).withMemory(16 << 20);
    }

    private String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    @Test
    void stagesRunInBitVisorsOrderOnTheRightProcessors() {
        FakeEngine engine = new FakeEngine((cpu, call) ->
                cpu.index == 0 ? ExitReason.POWER_OFF : cpu.waitForKick());
        int status = boot(engine, config(2).withTraceBoot(true));

        assertEquals(0, status);
        String log = log();
        List<String> steps = log.lines().toList();
        assertInOrder(steps,
                "cpu0  vmm_main", "cpu0  global           test.fakeEngine", "cpu0  start_all_processors",
                "cpu0  create_pass_vm", "cpu0  vcpu             jvisor.core.PassVm.createVcpu",
                "cpu0  pass             jvisor.core.PassThrough.installDefaults",
                "cpu1  vcpu             jvisor.core.PassVm.createVcpu",
                "Starting a virtual machine.", "jvisor: guest powered off");
        assertTrue(log.contains("Processor 0 (BSP)"), log);
        assertTrue(log.contains("Processor 1 (AP)"), log);
        assertTrue(engine.closed, "the engine is torn down");
    }

    @Test
    void tripleFaultPanicsWithEveryProcessorsRegisters() {
        FakeEngine engine = new FakeEngine((cpu, call) ->
                cpu.index == 0 ? ExitReason.SHUTDOWN : cpu.waitForKick());
        int status = boot(engine, config(3));

        assertEquals(ShutdownCause.GUEST_CRASHED, status);
        String log = log();
        assertTrue(log.contains("jvisor: panic: processor 0 triple-faulted"), log);
        assertTrue(log.contains("--- Processor 2 (AP) ---"), log);
        assertTrue(log.contains("rip=000000000000fff0"), log);
    }

    @Test
    void unhookedPortsFloatAndAreCounted() {
        FakeEngine engine = new FakeEngine((cpu, call) -> {
            if (cpu.index != 0) {
                return cpu.waitForKick();
            }
            return switch (call) {
                case 0 -> cpu.in(0x1234);
                case 1 -> {
                    cpu.io.portWrite(0x1234, 2, 0xBEEF);
                    yield ExitReason.STOPPED;
                }
                default -> ExitReason.POWER_OFF;
            };
        });
        boot(engine, config(1).withStats(true));

        assertEquals(0xFF, engine.cpus.getFirst().lastIn);
        String log = log();
        assertTrue(log.matches("(?s).*0x1234 unhooked\\s+1\\s+1.*"), log);
        assertTrue(log.contains("unhooked (floating bus): 1 reads, 1 writes"), log);
        assertTrue(log.matches("(?s).*io\\s+1\\n.*"), log);
    }

    @Test
    void aFailingProcessorStopsTheOthersAndReportsOneLine() {
        FakeEngine engine = new FakeEngine((cpu, call) -> {
            if (cpu.index == 1) {
                throw new IllegalStateException("engine exploded");
            }
            return cpu.waitForKick();
        });
        int status = boot(engine, config(2));

        assertEquals(ShutdownCause.HOST_FAILURE, status);
        assertTrue(log().contains("processor 1: engine exploded"), log());
    }

    @Test
    void anExternalStopEndsHaltedProcessorsPromptly() throws Exception {
        AtomicInteger halted = new AtomicInteger();
        FakeEngine engine = new FakeEngine((cpu, call) -> {
            halted.incrementAndGet();
            return cpu.waitForKick();
        });
        AtomicReference<Vmm> vmm = new AtomicReference<>();
        List<InitFunc> table = new ArrayList<>(registryWith(engine).table);
        table.add(new InitFunc(Stage.GLOBAL, 9, "test.capture", p -> vmm.set(p.vmm())));
        Thread stopper = Thread.ofPlatform().start(() -> {
            while (halted.get() < 2) {
                Thread.onSpinWait();
            }
            // What SIGINT does: a thread that is no processor asks the VM to stop.
            vmm.get().requestShutdown(new ShutdownCause.Interrupted("SIGINT", 2));
        });
        int status = VmmMain.run(config(2), console, new InitRegistry(table));
        stopper.join();

        assertEquals(130, status);
        assertTrue(log().contains("stopped by SIGINT"), log());
    }

    @Test
    void pauseParksEveryProcessorAndResumeLetsThemRunAgain() throws Exception {
        AtomicInteger halted = new AtomicInteger();
        FakeEngine engine = new FakeEngine((cpu, call) -> {
            halted.incrementAndGet();
            return cpu.waitForKick();
        });
        AtomicReference<Vmm> vmm = new AtomicReference<>();
        List<InitFunc> table = new ArrayList<>(registryWith(engine).table);
        table.add(new InitFunc(Stage.GLOBAL, 9, "test.capture", p -> vmm.set(p.vmm())));
        AtomicInteger callsWhilePaused = new AtomicInteger(-1);
        Thread monitor = Thread.ofPlatform().start(() -> {
            while (halted.get() < 2) {
                Thread.onSpinWait();
            }
            Vmm v = vmm.get();
            v.pause();
            int before = engine.cpus.get(0).calls() + engine.cpus.get(1).calls();
            v.processor(1).vcpu().state();
            callsWhilePaused.set(engine.cpus.get(0).calls() + engine.cpus.get(1).calls() - before);
            v.resume();
            while (halted.get() < 4) {
                Thread.onSpinWait();
            }
            v.requestShutdown(new ShutdownCause.Interrupted("test", 0));
        });
        int status = VmmMain.run(config(2), console, new InitRegistry(table));
        monitor.join();

        assertEquals(0, status);
        assertEquals(0, callsWhilePaused.get(), "no processor ran while paused");
        assertTrue(halted.get() >= 4, "both processors ran again after resume");
    }

    @Test
    void eachParallelGroupRunsOnceOnWhicheverProcessorClaimsIt() {
        FakeEngine engine = new FakeEngine((cpu, call) ->
                cpu.index == 0 ? ExitReason.POWER_OFF : cpu.waitForKick());
        AtomicInteger group0 = new AtomicInteger();
        AtomicInteger group1 = new AtomicInteger();
        AtomicInteger pcpu = new AtomicInteger();
        List<InitFunc> table = new ArrayList<>(registryWith(engine).table);
        table.add(new InitFunc(Stage.PARALLEL, 0, "test.paral0", p -> group0.incrementAndGet()));
        table.add(new InitFunc(Stage.PARALLEL, 1, "test.paral1a", p -> group1.incrementAndGet()));
        table.add(new InitFunc(Stage.PARALLEL, 1, "test.paral1b", p -> group1.incrementAndGet()));
        table.add(new InitFunc(Stage.PCPU, 0, "test.pcpu", p -> pcpu.incrementAndGet()));
        VmmMain.run(config(4), console, new InitRegistry(table));

        assertEquals(1, group0.get());
        assertEquals(2, group1.get());
        assertEquals(4, pcpu.get());
    }

    private static void assertInOrder(List<String> lines, String... fragments) {
        int at = 0;
        for (String fragment : fragments) {
            while (at < lines.size() && !lines.get(at).contains(fragment)) {
                at++;
            }
            assertTrue(at < lines.size(), "missing or out of order: '" + fragment + "' in\n" + String.join("\n", lines));
        }
    }
}

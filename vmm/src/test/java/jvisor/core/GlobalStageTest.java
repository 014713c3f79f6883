package jvisor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.boot.GuestImage;
import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.guest.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The real global stage (RAM, guest loader, platform tables) on a scripted engine. */
@Timeout(30)
class GlobalStageTest {
    @TempDir
    Path dir;

    @Test
    void theLoaderAndTheTablesShareGuestRamAndTheBspStartsAtTheKernel() throws IOException {
        Path kernel = Files.write(dir.resolve("k.elf"), TestImages.elf32(0x100000, 3, List.of(
                TestImages.Seg.at(0x100000, TestImages.pattern(64, 1), 0x1000, TestImages.PF_X))));
        AtomicReference<String> seen = new AtomicReference<>();
        List<InitFunc> table = new ArrayList<>();
        FakeEngine engine = new FakeEngine((cpu, call) -> {
            if (cpu.index != 0) {
                return cpu.waitForKick();
            }
            CpuState s = cpu.state();
            seen.set(String.format("%s rip=%x rax=%x rbx=%x", seen.get(), s.regs().rip(), s.regs().rax(),
                    s.regs().rbx()));
            return ExitReason.POWER_OFF;
        });
        table.add(new InitFunc(Stage.GLOBAL, 0, "test.fakeEngine", p -> p.vmm().setEngine(engine)));
        for (InitFunc f : InitRegistry.table()) {
            if (!f.name().endsWith("openEngine")) {
                table.add(f);
            }
        }
        table.add(new InitFunc(Stage.GLOBAL, 9, "test.peek", p -> {
            var ram = p.vmm().ram();
            seen.set(new String(ram.read(0xF0000, 8), StandardCharsets.US_ASCII) + " "
                    + new String(ram.read(ram.read32(0x9500 + 64), 6), StandardCharsets.US_ASCII));
        }));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Console console = new Console(null, new PrintStream(new ByteArrayOutputStream()), new PrintStream(log));
        BootConfig config = BootConfig.of(new GuestImage.File(kernel)).withCpus(2).withMemory(64 << 20);

        assertEquals(0, VmmMain.run(config, console, new InitRegistry(table)), log.toString());
        assertEquals("RSD PTR  jvisor rip=100000 rax=2badb002 rbx=9500", seen.get());
        assertEquals(List.of(jvisor.guest.bios.LegacyBios.PLATFORM), engine.biosPlatformStates,
                "a multiboot kernel gets the PICs and the PIT as the BIOS leaves them");
    }
}

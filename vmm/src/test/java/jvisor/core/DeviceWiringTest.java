package jvisor.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import jvisor.boot.BootConfig;
import jvisor.boot.Console;
import jvisor.boot.GuestImage;
import jvisor.bus.PcLayout;
import jvisor.engine.CpuState;
import jvisor.engine.ExitReason;
import jvisor.engine.GuestIo;
import jvisor.engine.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The driver stage's devices on a scripted engine: every device attaches without a port clash,
 * a guest reaches them through the port table, and teardown writes out the console.
 */
@Timeout(30)
class DeviceWiringTest {
    private final ByteArrayOutputStream serial = new ByteArrayOutputStream();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    private int boot(FakeEngine.Script script, String typed) {
        Console console = new Console(new ByteArrayInputStream(typed.getBytes(StandardCharsets.US_ASCII)),
                new PrintStream(serial, true, StandardCharsets.US_ASCII), new PrintStream(log, true, StandardCharsets.UTF_8));
        FakeEngine engine = new FakeEngine(script);
        List<InitFunc> table = new ArrayList<>();
        table.add(new InitFunc(Stage.GLOBAL, 0, "test.fakeEngine", p -> p.vmm().setEngine(engine)));
        table.add(new InitFunc(Stage.GLOBAL, 1, "test.ram", p -> p.vmm().setRam(GuestMemory.allocate(64 << 20))));
        table.add(new InitFunc(Stage.GLOBAL, 2, "test.bootState", p -> p.vmm().setBootState(CpuState.reset(true))));
        for (InitFunc f : InitRegistry.table()) {
            if (f.stage() != Stage.GLOBAL) {
                table.add(f);
            }
        }
        BootConfig config = BootConfig.of(new GuestImage.Builtin("none")).withCpus(2).withMemory(64 << 20);
        return VmmMain.run(config, console, new InitRegistry(table));
    }

    private static void print(GuestIo io, String text) {
        for (char c : text.toCharArray()) {
            while ((io.portRead(PcLayout.COM1 + 5, 1) & 0x20) == 0) {
                Thread.onSpinWait();
            }
            io.portWrite(PcLayout.COM1, 1, c);
        }
    }

    @Test
    void aGuestTalksToEveryDeviceAndEndsThroughDebugExit() {
        AtomicReference<String> seen = new AtomicReference<>();
        int status = boot((cpu, call) -> {
            if (cpu.index != 0) {
                return cpu.waitForKick();
            }
            GuestIo io = cpu.io;
            io.portWrite(PcLayout.FW_CFG, 2, 0x0000);
            StringBuilder signature = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                signature.append((char) io.portRead(PcLayout.FW_CFG + 1, 1));
            }
            io.portWrite(PcLayout.FW_CFG, 2, 0x0005);
            int cpus = io.portRead(PcLayout.FW_CFG + 1, 1);
            io.portWrite(PcLayout.CMOS, 1, 0x5F);
            int cmosCpus = io.portRead(PcLayout.CMOS + 1, 1) + 1;
            int kbcStatus = io.portRead(PcLayout.I8042_COMMAND, 1);
            io.portWrite(PcLayout.PCI_CONFIG_ADDRESS, 4, 0x8000_0000);
            int vendor = io.portRead(PcLayout.PCI_CONFIG_DATA, 2);
            int pmControl = io.portRead(PcLayout.ACPI_PM1A_CNT, 2);
            StringBuilder typed = new StringBuilder();
            while (typed.length() < 2) {
                if ((io.portRead(PcLayout.COM1 + 5, 1) & 0x01) != 0) {
                    typed.append((char) io.portRead(PcLayout.COM1, 1));
                }
            }
            seen.set(String.format("%s cpus=%d/%d kbc=%#x vendor=%#x pm1cnt=%#x typed=%s",
                    signature, cpus, cmosCpus, kbcStatus, vendor, pmControl, typed));
            print(io, "hello from the guest\n");
            io.portWrite(PcLayout.DEBUG_EXIT, 1, 0x10);
            return ExitReason.STOPPED;
        }, "ok");

        assertEquals(0x21, status, log.toString(StandardCharsets.UTF_8));
        assertEquals("QEMU cpus=2/2 kbc=0x14 vendor=0x8086 pm1cnt=0x1 typed=ok", seen.get(), "00:00.0 is the host bridge");
        assertEquals("hello from the guest\n", serial.toString(StandardCharsets.US_ASCII));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("guest wrote 16 to the debug-exit port"),
                log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theAcpiPowerOffAndTheResetPortsEndTheVm() {
        int status = boot((cpu, call) -> {
            if (cpu.index == 0) {
                cpu.io.portWrite(PcLayout.ACPI_PM1A_CNT, 2, PcLayout.ACPI_SLP_TYP_S5 << 10 | 1 << 13);
                return ExitReason.STOPPED;
            }
            return cpu.waitForKick();
        }, "");
        assertEquals(0, status);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("guest powered off (ACPI S5)"),
                log.toString(StandardCharsets.UTF_8));

        log.reset();
        boot((cpu, call) -> {
            if (cpu.index == 0) {
                cpu.io.portWrite(PcLayout.I8042_COMMAND, 1, 0xFE);
                return ExitReason.STOPPED;
            }
            return cpu.waitForKick();
        }, "");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("guest reset (i8042)"),
                log.toString(StandardCharsets.UTF_8));
    }
}

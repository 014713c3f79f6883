package jvisor.guest.bios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import jvisor.engine.BiosPlatformState;
import jvisor.engine.ExitReason;
import jvisor.engine.GuestMemory;
import jvisor.engine.emu.Asm;
import jvisor.engine.emu.TestIo;
import jvisor.engine.emu.TestMachine;
import jvisor.engine.emu.cpu.Cpu;
import org.junit.jupiter.api.Test;

/**
 * The BIOS state a multiboot kernel finds: the tables and the ROM as data, and the ROM's handlers
 * run on the emu processor (called with INT from real mode), recording the ports they touch.
 */
class LegacyBiosTest {
    private static final Instant NOON = Instant.parse("2026-12-06T12:00:00Z");
    /** Real-mode test code at 0000:6000; its stack is TestMachine's, below 0x7000. */
    private static final int TEST_CODE = 0x6000;

    private static int vector(GuestMemory ram, int v) {
        return ram.read32(v * 4L);
    }

    @Test
    void everyVectorLeadsIntoTheRomButTheOnesProgramsOwn() {
        try (GuestMemory ram = GuestMemory.allocate(16 << 20)) {
            LegacyBios.install(ram, NOON);
            assertEquals(0xF000_FEA5, vector(ram, 0x08), "INT 08h at IBM's address");
            assertEquals(0xF000_FF53, vector(ram, 0x13), "a software interrupt: the bare IRET");
            assertEquals(0xF000_F84D, vector(ram, 0x11));
            assertEquals(0xF000_F841, vector(ram, 0x12));
            assertEquals(0xCF, ram.read8(0xFFF53));
            for (int v = 0; v < 256; v++) {
                int expectedSegment = v >= 0x60 && v <= 0x66 ? 0 : 0xF000;
                assertEquals(expectedSegment, vector(ram, v) >>> 16, "vector " + Integer.toHexString(v));
            }
            for (int irq = 1; irq < 16; irq++) {
                int v = irq < 8 ? 0x08 + irq : 0x70 + irq - 8;
                int offset = vector(ram, v) & 0xFFFF;
                assertTrue(offset != 0xFF53, "IRQ " + irq + " has a handler that ends the interrupt");
            }
        }
    }

    @Test
    void theDataAreaHoldsWhatSeaBiosPutsThere() {
        try (GuestMemory ram = GuestMemory.allocate(16 << 20)) {
            LegacyBios.install(ram, NOON);
            assertEquals(0x0202, ram.read16(0x410), "equipment: FPU, one serial port");
            assertEquals(639, ram.read16(0x413), "base memory below the EBDA, KiB");
            assertEquals(0x1E, ram.read16(0x41A));
            assertEquals(0x1E, ram.read16(0x41C));
            assertEquals(0x1E, ram.read16(0x480));
            assertEquals(0x3E, ram.read16(0x482));
            // 43,200 s at 1,193,182 / 65,536 ticks per second, rounded down.
            assertEquals(786_521, ram.read32(0x46C));
            assertEquals(0, LegacyBios.ticksSinceMidnight(Instant.parse("2026-12-06T00:00:00Z")));
            assertEquals(LegacyBios.TICKS_PER_DAY - 1,
                    LegacyBios.ticksSinceMidnight(Instant.parse("2026-12-06T23:59:59.999Z")));
        }
    }

    @Test
    void thePlatformStateIsWhatSeaBiosLeavesOnQemusPcMachine() {
        int[][] expected = {
            {0x20, 0x11}, {0xA0, 0x11}, {0x21, 0x08}, {0xA1, 0x70}, {0x21, 0x04}, {0xA1, 0x02},
            {0x21, 0x01}, {0xA1, 0x01}, {0x21, 0xB8}, {0xA1, 0x8E}, {0x4D0, 0x00}, {0x4D1, 0x0C},
            {0x43, 0x34}, {0x40, 0x00}, {0x40, 0x00},
        };
        List<BiosPlatformState.PortWrite> writes = LegacyBios.PLATFORM.portWrites();
        assertEquals(expected.length, writes.size(), writes.toString());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(new BiosPlatformState.PortWrite(expected[i][0], expected[i][1]), writes.get(i), "write " + i);
        }
    }

    @Test
    void theRomIsReadOnlyToProcessorsAndTheRestOfLowRamIsNot() {
        try (GuestMemory ram = GuestMemory.allocate(16 << 20)) {
            LegacyBios.install(ram, NOON);
            assertEquals(-1, ram.cpuWriteOffset(0xFFF53, 1));
            assertEquals(-1, ram.cpuWriteOffset(LegacyBios.ROM_BASE, 4));
            assertEquals(0xFFF53, ram.cpuReadOffset(0xFFF53, 1));
            assertEquals(0xEFFFF, ram.cpuWriteOffset(0xEFFFF, 1));
            assertEquals(0x10_0000, ram.cpuWriteOffset(0x10_0000, 1));
            assertEquals(List.of(new GuestMemory.Region(0, 0, 0xF0000),
                    new GuestMemory.Region(0xF0000, 0xF0000, 0x10000, true),
                    new GuestMemory.Region(0x10_0000, 0x10_0000, (16 << 20) - 0x10_0000)), ram.cpuRegions());
        }
    }

    /** Runs real-mode {@code source} at 0000:6000 after the BIOS is installed, until it halts. */
    private static void runRealMode(TestMachine m, String source) {
        m.load(TEST_CODE, Asm.code16(source + "\ncli\nhlt\n"));
        m.realMode(0, TEST_CODE);
        assertEquals(ExitReason.HLT, m.run(), m.cpu.describeExit());
    }

    private static TestMachine machineWithBios() {
        TestMachine m = new TestMachine();
        LegacyBios.install(m.ram, NOON);
        return m;
    }

    private static List<TestIo.Access> portWrites(TestMachine m) {
        return m.io.ports.stream().filter(TestIo.Access::write).toList();
    }

    @Test
    void theTimerHandlerCountsATickCallsInt1ChAndEndsTheInterrupt() {
        try (TestMachine m = machineWithBios()) {
            // A program's INT 1Ch hook at 0000:0600 counts its calls at 0000:0500 (DS is the BIOS's there).
            m.load(0x600, Asm.code16("inc byte ptr cs:[0x500]\niret\n"));
            m.ram.write32(0x1C * 4, 0x0000_0600);
            m.ram.write32(0x46C, 0x0017_FFFF);
            runRealMode(m, "int 0x08");
            assertEquals(0x0018_0000, m.ram.read32(0x46C), "the carry reaches the high word");
            assertEquals(0, m.ram.read8(0x470), "not midnight yet");
            assertEquals(1, m.ram.read8(0x500), "INT 1Ch was called once");
            assertEquals(List.of(new TestIo.Access(true, 0x20, 1, 0x20)), portWrites(m), "one EOI to the master");
        }
    }

    @Test
    void theTickAfterTheDaysLastWrapsToZeroAndSetsTheMidnightFlag() {
        try (TestMachine m = machineWithBios()) {
            m.ram.write32(0x46C, (int) LegacyBios.TICKS_PER_DAY - 2);
            runRealMode(m, "int 0x08");
            assertEquals(LegacyBios.TICKS_PER_DAY - 1, m.ram.read32(0x46C));
            assertEquals(0, m.ram.read8(0x470));
            runRealMode(m, "int 0x08");
            assertEquals(0, m.ram.read32(0x46C));
            assertEquals(1, m.ram.read8(0x470));
        }
    }

    @Test
    void unhandledHardwareInterruptsAreEndedAtTheirPics() {
        try (TestMachine m = machineWithBios()) {
            runRealMode(m, "int 0x0E\nint 0x75");
            assertEquals(List.of(new TestIo.Access(true, 0x20, 1, 0x20), new TestIo.Access(true, 0xA0, 1, 0x20),
                    new TestIo.Access(true, 0x20, 1, 0x20)), portWrites(m));
        }
    }

    @Test
    void theRtcHandlerReadsStatusRegisterCAndEndsTheInterruptAtBothPics() {
        try (TestMachine m = machineWithBios()) {
            runRealMode(m, "int 0x70");
            assertEquals(List.of(new TestIo.Access(true, 0x70, 1, 0x0C), new TestIo.Access(false, 0x71, 1, 0xFF),
                    new TestIo.Access(true, 0xA0, 1, 0x20), new TestIo.Access(true, 0x20, 1, 0x20)), m.io.ports);
        }
    }

    @Test
    void int11hAndInt12hAnswerFromTheDataArea() {
        try (TestMachine m = machineWithBios()) {
            runRealMode(m, "int 0x11\nmov bx, ax\nint 0x12");
            assertEquals(0x0202, m.reg(Cpu.RBX) & 0xFFFF);
            assertEquals(639, m.reg(Cpu.RAX) & 0xFFFF);
            assertEquals(0, m.reg(Cpu.RSP) & 0xFFFF0000L);
        }
    }
}

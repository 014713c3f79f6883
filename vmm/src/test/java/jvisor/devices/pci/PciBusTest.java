package jvisor.devices.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PcLayout;
import jvisor.bus.PortBus;
import jvisor.bus.PortHandler;
import jvisor.devices.DeviceLog;
import org.junit.jupiter.api.Test;

/** Bus 0: ECAM decoding, BAR mapping onto the VM's buses, firmware resource assignment, INTx routing. */
class PciBusTest {
    private final MmioBus mmio = new MmioBus(new MmioHandler() {
        @Override
        public long read(long offset, int size) {
            return MmioHandler.floating(size);
        }

        @Override
        public void write(long offset, int size, long value) { }
    });
    private final PortBus ports = new PortBus();
    private final List<String> lines = new ArrayList<>();
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final PciBus bus = new PciBus(mmio, ports, new PciInterrupts(gsi -> level -> {
        synchronized (lines) {
            lines.add(gsi + "=" + level);
        }
    }), (a, d) -> { }, new DeviceLog(new PrintStream(logged, true), "pci"));

    /** A bus that maps onto throw-away buses and drops interrupts, for tests of other parts. */
    static PciBus bus() {
        PortBus ports = new PortBus();
        ports.setDefault(new PortHandler() {
            @Override
            public int read(int port, int size) {
                return PortHandler.floating(size);
            }

            @Override
            public void write(int port, int size, int value) { }
        }, "nothing");
        return new PciBus(new MmioBus(null), ports, new PciInterrupts(gsi -> level -> { }), (a, d) -> { },
                DeviceLog.discard("pci"));
    }

    PciBusTest() {
        ports.setDefault(new PortHandler() {
            @Override
            public int read(int port, int size) {
                return PortHandler.floating(size);
            }

            @Override
            public void write(int port, int size, int value) { }
        }, "unhooked");
    }

    private static final class Register implements MmioHandler, PortHandler {
        @Override
        public long read(long offset, int size) {
            return 0x1000 + offset;
        }

        @Override
        public void write(long offset, int size, long value) { }

        @Override
        public int read(int port, int size) {
            return 0x2000 + port;
        }

        @Override
        public void write(int port, int size, int value) { }
    }

    private static PciFunction device(String name) {
        Register r = new Register();
        return PciFunction.builder(name, 0x1AF4, 0x1042)
                .bar(0, new Bar.Io(0x20, r))
                .bar(1, new Bar.Memory(0x1000, false, false, r))
                .bar(4, new Bar.Memory(0x4000, true, true, r))
                .interruptPin(1)
                .build();
    }

    private static long ecam(int device, int register) {
        return (long) device << 15 | register;
    }

    @Test
    void ecamReachesTheFullConfigurationSpaceOfPluggedFunctionsOnly() {
        bus.plug(0, 3, 0, device("dev"));
        MmioHandler ecam = bus.ecam();
        assertEquals(0x1042_1AF4L, ecam.read(ecam(3, 0), 4));
        assertEquals(0x1AF4L, ecam.read(ecam(3, 0), 2));
        assertEquals(0x42L, ecam.read(ecam(3, 2), 1));
        assertEquals(0L, ecam.read(ecam(3, 0x100), 4), "extended space exists (and holds no capability)");
        assertEquals(0xFFFF_FFFFL, ecam.read(ecam(4, 0), 4));
        assertEquals(0xFFFF_FFFFL, ecam.read(1L << 20 | ecam(3, 0), 4), "bus 1 is empty");
        assertEquals(0xFFFFL, ecam.read(ecam(3, 1), 2), "a misaligned access reaches nothing");
        assertEquals(0x1042_1AF4L | 0L << 32, ecam.read(ecam(3, 0), 8) & 0xFFFF_FFFFL);
    }

    @Test
    void aConventionalFunctionReadsZeroInTheExtendedSpace() {
        bus.plug(0, 0, 0, new HostBridge());
        MmioHandler ecam = bus.ecam();
        assertEquals(0x1237_8086L, ecam.read(0, 4));
        for (int register : new int[] {0x100, 0x103, 0xFFC}) {
            ecam.write(register, 1, 0xFF);
            assertEquals(0L, ecam.read(register, 1), "register " + Integer.toHexString(register));
        }
    }

    @Test
    void firmwarePlacesEveryBarAlignedInsideTheWindowsAndEnablesDecoding() {
        PciFunction a = device("a");
        PciFunction b = device("b");
        bus.plug(a);
        bus.plug(b);
        bus.assignResources();
        List<long[]> ranges = new ArrayList<>();
        for (PciFunction f : List.of(a, b)) {
            for (int i : new int[] {0, 1, 4}) {
                long base = f.barAddress(i);
                long size = f.bar(i).size();
                assertEquals(0, base % size, f.name() + " BAR" + i + " aligned");
                if (i == 0) {
                    assertTrue(base >= PcLayout.PCI_IO_BASE && base + size <= PcLayout.PCI_IO_END);
                } else {
                    assertTrue(base >= PcLayout.PCI_MEMORY_BASE && base + size <= PcLayout.PCI_MEMORY_END);
                }
                for (long[] r : ranges) {
                    assertTrue(base + size <= r[0] || base >= r[0] + r[1] || i == 0 != (r[2] == 0), "no overlap");
                }
                ranges.add(new long[] {base, size, i});
            }
        }
        assertEquals(0x1000 + 8, mmio.read(a.barAddress(4) + 8, 4));
        assertEquals(0x2000 + 4, ports.read((int) b.barAddress(0) + 4, 4));
        assertEquals(PciInterrupts.gsi(3, 1), a.configRead(PciConfig.INTERRUPT_LINE, 1));
    }

    @Test
    void theGuestMovesAndUnmapsBars() {
        PciFunction f = device("f");
        bus.plug(f);
        bus.assignResources();
        long old = f.barAddress(1);
        f.configWrite(PciConfig.BAR0 + 4, 4, 0xD000_0000);
        assertEquals(0xD000_0000L, f.barAddress(1));
        assertNull(mmio.find(old));
        assertNotNull(mmio.find(0xD000_0000L));
        f.configWrite(PciConfig.COMMAND, 2, 0);
        assertNull(mmio.find(0xD000_0000L), "memory decoding off");
        assertEquals("unhooked", ports.nameOf(PcLayout.PCI_IO_BASE));
    }

    @Test
    void aBarMovedOntoAnotherDeviceIsRefusedWithOneLogLine() {
        mmio.register(0xD000_0000L, 0x1000, new Register(), "something");
        PciFunction f = device("f");
        bus.plug(f);
        bus.assignResources();
        f.configWrite(PciConfig.BAR0 + 4, 4, 0xD000_0000);
        assertEquals(-1, f.barAddress(1));
        assertTrue(logged.toString().contains("f BAR1 at 0xd0000000 not mapped"), logged.toString());
        f.configWrite(PciConfig.BAR0 + 4, 4, 0xD000_1000);
        assertEquals(0xD000_1000L, f.barAddress(1));
    }

    @Test
    void intxFollowsTheRoutingRuleAndIsSharedByFunctionsOnOneInput() {
        PciFunction a = device("a");
        PciFunction b = device("b");
        bus.plug(0, 3, 0, a);
        bus.plug(0, 11, 0, b);                          // 3 + 1 - 1 = 3 and 11 + 1 - 1 = 11: both input 16 + 3
        int gsi = PciInterrupts.gsi(3, 1);
        assertEquals(gsi, PciInterrupts.gsi(11, 1));
        a.setIntx(true);
        b.setIntx(true);
        a.setIntx(false);
        assertEquals(List.of(gsi + "=true"), lines, "still asserted by b");
        b.setIntx(false);
        assertEquals(List.of(gsi + "=true", gsi + "=false"), lines);
    }

    @Test
    void interruptDisableHoldsTheLineLowButTheStatusBitStillShowsTheRequest() {
        PciFunction a = device("a");
        bus.plug(0, 3, 0, a);
        a.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_INTX_DISABLE);
        a.setIntx(true);
        assertEquals(List.of(), lines);
        assertEquals(PciConfig.STATUS_INTERRUPT, a.configRead(PciConfig.STATUS, 2) & PciConfig.STATUS_INTERRUPT);
        a.configWrite(PciConfig.COMMAND, 2, 0);
        assertEquals(List.of(PciInterrupts.gsi(3, 1) + "=true"), lines);
    }
}

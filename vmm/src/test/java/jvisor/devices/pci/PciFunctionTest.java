package jvisor.devices.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.MmioHandler;
import jvisor.bus.PortHandler;
import org.junit.jupiter.api.Test;

/** An endpoint's header as Linux's PCI core probes it: sizing BARs, the command register, capabilities. */
class PciFunctionTest {
    private static final MmioHandler NOTHING = new MmioHandler() {
        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) { }
    };

    private static PciFunction.Builder builder() {
        return PciFunction.builder("test", 0x1AF4, 0x1042).revision(1).classCode(0x01_80_00).subsystem(0x1AF4, 0x0002);
    }

    @Test
    void identityRegistersAreReadOnly() {
        PciFunction f = builder().build();
        assertEquals(0x1042_1AF4, f.configRead(0, 4));
        assertEquals(0x0180_0001, f.configRead(PciConfig.REVISION, 4));
        assertEquals(0x0002_1AF4, f.configRead(PciConfig.SUBSYSTEM_VENDOR_ID, 4));
        f.configWrite(0, 4, 0);
        f.configWrite(PciConfig.REVISION, 4, 0);
        assertEquals(0x1042_1AF4, f.configRead(0, 4));
        assertEquals(0x0180_0001, f.configRead(PciConfig.REVISION, 4));
    }

    @Test
    void sizingAMemoryBarReadsBackItsSizeMaskAndFlags() {
        PciFunction f = builder().bar(1, new Bar.Memory(0x1000, false, false, NOTHING)).build();
        f.configWrite(PciConfig.BAR0 + 4, 4, 0xFFFF_FFFF);
        assertEquals(0xFFFF_F000, f.configRead(PciConfig.BAR0 + 4, 4));
    }

    @Test
    void sizingA64BitPrefetchableBarSizesBothHalves() {
        PciFunction f = builder().bar(4, new Bar.Memory(0x4000, true, true, NOTHING)).build();
        assertEquals(0xC, f.configRead(PciConfig.BAR0 + 16, 4));
        f.configWrite(PciConfig.BAR0 + 16, 4, 0xFFFF_FFFF);
        f.configWrite(PciConfig.BAR0 + 20, 4, 0xFFFF_FFFF);
        assertEquals(0xFFFF_C00C, f.configRead(PciConfig.BAR0 + 16, 4));
        assertEquals(0xFFFF_FFFF, f.configRead(PciConfig.BAR0 + 20, 4));
    }

    @Test
    void sizingAnIoBarReadsBackSixteenBitsOfMaskAndTheIoFlag() {
        PciFunction f = builder().bar(0, new Bar.Io(0x40, new PortHandler() {
            @Override
            public int read(int port, int size) {
                return 0;
            }

            @Override
            public void write(int port, int size, int value) { }
        })).build();
        f.configWrite(PciConfig.BAR0, 4, 0xFFFF_FFFF);
        assertEquals(0x0000_FFC1, f.configRead(PciConfig.BAR0, 4));
    }

    @Test
    void unusedBarsAndTheExpansionRomReadZeroWhatEverIsWritten() {
        PciFunction f = builder().build();
        for (int offset = PciConfig.BAR0; offset <= PciConfig.EXPANSION_ROM; offset += 4) {
            if (offset == PciConfig.SUBSYSTEM_VENDOR_ID) {
                continue;
            }
            f.configWrite(offset, 4, 0xFFFF_FFFF);
            assertEquals(0, f.configRead(offset, 4), "offset " + Integer.toHexString(offset));
        }
    }

    @Test
    void theCommandRegisterKeepsOnlyItsDefinedBitsAndStatusErrorsClearByWritingOne() {
        PciFunction f = builder().build();
        f.configWrite(PciConfig.COMMAND, 2, 0xFFFF);
        assertEquals(0x0547, f.configRead(PciConfig.COMMAND, 2));
        f.store(PciConfig.STATUS, 2, 0x8000 | PciConfig.STATUS_CAPABILITIES);
        f.configWrite(PciConfig.STATUS, 2, 0x8000);
        assertEquals(PciConfig.STATUS_CAPABILITIES, f.configRead(PciConfig.STATUS, 2));
    }

    @Test
    void capabilitiesFormAListTheGuestCanWalk() {
        PciFunction f = builder().pciExpress().msix(new Msix(3, 0x800), 1)
                .bar(1, new Bar.Memory(0x1000, false, false, NOTHING)).build();
        assertEquals(PciConfig.STATUS_CAPABILITIES, f.configRead(PciConfig.STATUS, 2) & PciConfig.STATUS_CAPABILITIES);
        List<Integer> ids = new ArrayList<>();
        int at = f.configRead(PciConfig.CAPABILITIES, 1);
        for (int n = 0; at != 0 && n < 48; n++) {
            assertEquals(0, at & 3, "capabilities are dword-aligned");
            ids.add(f.configRead(at, 1));
            at = f.configRead(at + 1, 1);
        }
        assertEquals(List.of(PciConfig.CAP_PCIE, PciConfig.CAP_MSIX), ids);
    }

    @Test
    void barsCannotOverlapOrRunPastTheHeader() {
        assertThrows(IllegalArgumentException.class,
                () -> builder().bar(5, new Bar.Memory(0x1000, true, false, NOTHING)));
        assertThrows(IllegalArgumentException.class, () -> builder()
                .bar(0, new Bar.Memory(0x1000, true, false, NOTHING)).bar(1, new Bar.Memory(0x1000, false, false, NOTHING)));
        assertThrows(IllegalArgumentException.class, () -> new Bar.Memory(0x1800, false, false, NOTHING));
    }
}

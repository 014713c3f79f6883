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

    /** kvm-unit-tests' pci_setup_msi: address low and high, data, then the enable bit; one message per signal. */
    @Test
    void aSixtyFourBitMsiCapabilitySendsItsProgrammedMessage() {
        PciFunction f = builder().msi(true).build();
        List<String> sent = new ArrayList<>();
        f.connect(BarMapper.NONE, jvisor.bus.IrqLine.NONE, (a, d) -> sent.add(Long.toHexString(a) + ":" + d), Dma.NONE);
        int cap = f.configRead(PciConfig.CAPABILITIES, 1);
        assertEquals(PciConfig.CAP_MSI, f.configRead(cap, 1));
        assertEquals(PciConfig.MSI_64BIT, f.configRead(cap + 2, 2), "64-bit, one message, off");
        f.configWrite(cap + 4, 4, 0xFEE0_0053);
        f.configWrite(cap + 8, 4, 0x1);
        f.configWrite(cap + 12, 2, 0x4031);
        assertEquals(0xFEE0_0050, f.configRead(cap + 4, 4), "dword-aligned address");
        assertEquals(false, f.signalMsi(), "MSI off: the caller uses INTx");
        f.configWrite(cap + 2, 2, 0xFFFF);
        assertEquals(PciConfig.MSI_64BIT | PciConfig.MSI_ENABLE, f.configRead(cap + 2, 2), "only enable is writable");
        assertEquals(true, f.signalMsi());
        assertEquals(List.of(), sent, "no bus mastering, no message");
        f.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_BUS_MASTER);
        f.signalMsi();
        assertEquals(List.of("1fee00050:" + 0x4031), sent);
    }

    @Test
    void aThirtyTwoBitMsiCapabilityKeepsItsDataAfterTheAddress() {
        PciFunction f = builder().msi(false).build();
        List<String> sent = new ArrayList<>();
        f.connect(BarMapper.NONE, jvisor.bus.IrqLine.NONE, (a, d) -> sent.add(Long.toHexString(a) + ":" + d), Dma.NONE);
        int cap = f.configRead(PciConfig.CAPABILITIES, 1);
        f.configWrite(cap + 4, 4, 0xFEE0_1000);
        f.configWrite(cap + 8, 2, 0x41);
        f.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_BUS_MASTER);
        f.configWrite(cap + 2, 2, PciConfig.MSI_ENABLE);
        f.signalMsi();
        assertEquals(List.of("fee01000:" + 0x41), sent);
    }
}

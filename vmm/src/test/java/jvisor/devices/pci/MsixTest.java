package jvisor.devices.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.MmioHandler;
import org.junit.jupiter.api.Test;

/** MSI-X as Linux programs it: entries, the enable and function-mask bits, per-vector masks, pending bits. */
class MsixTest {
    private final List<String> sent = new ArrayList<>();
    private final Msix msix = new Msix(4, 0x800);
    private final PciFunction f = PciFunction.builder("msix", 0x1AF4, 0x1042)
            .msix(msix, 1).bar(1, new Bar.Memory(msix.barSize(), false, false, msix)).build();
    private final int capability = f.configRead(PciConfig.CAPABILITIES, 1);

    MsixTest() {
        f.connect(BarMapper.NONE, jvisor.bus.IrqLine.NONE, (address, data) -> sent.add(Long.toHexString(address) + ":" + data),
                Dma.NONE);
        f.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_BUS_MASTER | PciConfig.COMMAND_MEMORY);
    }

    private void program(int vector, int data) {
        msix.write(vector * 16L, 4, 0xFEE0_0000L);
        msix.write(vector * 16L + 4, 4, 0);
        msix.write(vector * 16L + 8, 4, data);
    }

    private void control(int bits) {
        f.configWrite(capability + 2, 2, bits);
    }

    @Test
    void theCapabilityDescribesTableSizeAndLocation() {
        assertEquals(PciConfig.CAP_MSIX, f.configRead(capability, 1));
        assertEquals(3, f.configRead(capability + 2, 2));
        assertEquals(1, f.configRead(capability + 4, 4));
        assertEquals(0x801, f.configRead(capability + 8, 4));
        control(0xFFFF);
        assertEquals(0xC003, f.configRead(capability + 2, 2), "only enable and function mask are writable");
    }

    @Test
    void entriesStartMaskedSoASignalOnlyBecomesPending() {
        program(2, 0x41);
        control(PciConfig.MSIX_ENABLE);
        msix.signal(2);
        assertEquals(List.of(), sent);
        assertEquals(1L << 2, msix.read(0x800, 8));
        msix.write(2 * 16L + 12, 4, 0);
        assertEquals(List.of("fee00000:65"), sent, "unmasking sends the pending message");
        assertEquals(0L, msix.read(0x800, 8));
    }

    @Test
    void theFunctionMaskHoldsEveryVectorUntilItIsCleared() {
        program(0, 0x30);
        program(1, 0x31);
        msix.write(12, 4, 0);
        msix.write(16 + 12, 4, 0);
        control(PciConfig.MSIX_ENABLE | PciConfig.MSIX_FUNCTION_MASK);
        msix.signal(0);
        msix.signal(1);
        assertEquals(List.of(), sent);
        control(PciConfig.MSIX_ENABLE);
        assertEquals(List.of("fee00000:48", "fee00000:49"), sent);
    }

    @Test
    void nothingIsSentWhileMsixIsOffOrForVectorsBeyondTheTable() {
        program(0, 0x30);
        msix.write(12, 4, 0);
        msix.signal(0);
        control(PciConfig.MSIX_ENABLE);
        msix.signal(4);
        msix.signal(Msix.NO_VECTOR);
        msix.signal(-1);
        assertEquals(List.of(), sent);
        msix.signal(0);
        assertEquals(List.of("fee00000:48"), sent);
    }

    @Test
    void withoutBusMasteringTheMessageIsDropped() {
        program(0, 0x30);
        msix.write(12, 4, 0);
        control(PciConfig.MSIX_ENABLE);
        f.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY);
        msix.signal(0);
        assertEquals(List.of(), sent);
        assertEquals(1, msix.dropped());
    }

    @Test
    void oddAccessesToTheTableAndThePbaChangeNothing() {
        msix.write(0, 2, 0x1234);
        msix.write(3, 4, 0x1234);
        msix.write(0x800, 8, -1);
        msix.write(0x10000, 4, 1);
        assertEquals(0L, msix.read(0, 4));
        assertEquals(0L, msix.read(0x800, 8));
        assertEquals(0L, msix.read(0x10000, 4));
        assertEquals(1L, msix.read(12, 4), "still masked");
        assertEquals(MmioHandler.floating(1) & 0, msix.read(1, 1));
    }
}

package jvisor.devices.testdev;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** QEMU's pc-testdev as kvm-unit-tests drives it: scratch register, IRQ ports, scratch memory. */
class PcTestDevTest {
    private final List<String> driven = new ArrayList<>();
    private final PcTestDev dev = new PcTestDev(line -> level -> driven.add(line + "=" + level));

    @Test
    void theScratchRegisterKeepsWhatIsWrittenAtAnyWidthAndOffset() {
        dev.dataPorts.write(0xE0, 4, 0x1234_5678);
        assertEquals(0x1234_5678, dev.dataPorts.read(0xE0, 4));
        assertEquals(0x56, dev.dataPorts.read(0xE1, 1));
        assertEquals(0x1234, dev.dataPorts.read(0xE2, 2));
        dev.dataPorts.write(0xE9, 1, 0xAB);  // the byte window at 0xE8 is the same register
        assertEquals(0x1234_AB78, dev.dataPorts.read(0xE0, 4));
        dev.dataPorts.write(0xE2, 2, 0xBEEF);
        assertEquals(0xBEEF_AB78, dev.dataPorts.read(0xE8, 4));
    }

    @Test
    void aByteToTheIrqPortsRaisesOrLowersThatLine() {
        dev.irqPorts.write(PcTestDev.IRQ_PORT + 14, 1, 1);
        dev.irqPorts.write(PcTestDev.IRQ_PORT + 14, 1, 0);
        dev.irqPorts.write(PcTestDev.IRQ_PORT + 23, 1, 0x80);
        dev.irqPorts.write(PcTestDev.IRQ_PORT + 1, 2, 1);  // not a byte: ignored, as QEMU does
        assertEquals(List.of("14=true", "14=false", "23=true"), driven);
    }

    @Test
    void scratchMemoryIsLittleEndianAndBoundedTo64KiB() {
        dev.iomemHandler.write(0x10, 8, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, dev.iomemHandler.read(0x10, 8));
        assertEquals(0x66, dev.iomemHandler.read(0x12, 1));
        dev.iomemHandler.write(PcTestDev.IOMEM_SIZE - 2, 4, 0xAABB_CCDDL);  // half of it lies outside
        assertEquals(0xCCDDL, dev.iomemHandler.read(PcTestDev.IOMEM_SIZE - 2, 4));
    }
}

package jvisor.devices.edu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PortBus;
import jvisor.devices.DeviceLog;
import jvisor.devices.pci.PciBus;
import jvisor.devices.pci.PciConfig;
import jvisor.devices.pci.PciFunction;
import jvisor.devices.pci.PciInterrupts;
import jvisor.engine.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The edu device as QEMU's spec describes it and kvm-unit-tests' pci-edu library drives it. */
class EduDeviceTest {
    private final GuestMemory ram = GuestMemory.allocate(1 << 20);
    private final List<String> interrupts = new ArrayList<>();
    private final PciBus bus = new PciBus(new MmioBus(null), new PortBus(),
            new PciInterrupts(gsi -> level -> interrupts.add("gsi" + gsi + "=" + level)),
            (a, d) -> interrupts.add("msi " + Long.toHexString(a) + ":" + Integer.toHexString(d)),
            DeviceLog.discard("pci"), ram);
    private final EduDevice edu = new EduDevice(DeviceLog.discard("edu"));
    private final PciFunction f = edu.function();

    EduDeviceTest() {
        bus.plug(0, 4, 0, f);
    }

    @AfterEach
    void free() {
        ram.close();
    }

    @Test
    void identificationAndTheInvertingLivenessRegister() {
        assertEquals(0x1234, f.configRead(PciConfig.VENDOR_ID, 2));
        assertEquals(0x11E8, f.configRead(PciConfig.DEVICE_ID, 2));
        assertEquals(0x010000EDL, edu.read(0x00, 4));
        edu.write(0x04, 4, 0x1234_5678L);
        assertEquals(~0x1234_5678 & 0xFFFF_FFFFL, edu.read(0x04, 4));
        assertEquals(0xFFFFL, edu.read(0x04, 2), "below 0x80 only 32-bit accesses");
        edu.write(0x04, 2, 0);
        assertEquals(~0x1234_5678 & 0xFFFF_FFFFL, edu.read(0x04, 4));
        assertEquals(0xFFFF_FFFFL, edu.read(0x30, 4), "an unknown register reads all ones");
    }

    @Test
    void factorialWithItsCompletionInterrupt() {
        edu.write(0x08, 4, 10);
        assertEquals(3_628_800L, edu.read(0x08, 4));
        assertEquals(0L, edu.read(0x20, 4) & EduDevice.STATUS_COMPUTING, "done by the time the write returns");
        edu.write(0x20, 4, EduDevice.STATUS_IRQ_ON_FACTORIAL);
        edu.write(0x08, 4, 13);
        assertEquals(6_227_020_800L & 0xFFFF_FFFFL, edu.read(0x08, 4), "32-bit arithmetic wraps");
        assertEquals(EduDevice.INTERRUPT_FACTORIAL, edu.read(0x24, 4));
        assertEquals(List.of("gsi20=true"), interrupts, "INTA of slot 4");
        edu.write(0x08, 4, 0xFFFF_FFFFL);
        assertEquals(0L, edu.read(0x08, 4), "a huge factorial is 0 mod 2^32, and quick");
    }

    @Test
    void raiseAndAcknowledgeHoldInta() {
        edu.write(0x60, 4, 0x5);
        edu.write(0x60, 4, 0x2);
        assertEquals(0x7L, edu.read(0x24, 4));
        edu.write(0x64, 4, 0x5);
        assertEquals(List.of("gsi20=true"), interrupts, "still asserted while a bit is left");
        edu.write(0x64, 4, 0x2);
        assertEquals(List.of("gsi20=true", "gsi20=false"), interrupts);
    }

    @Test
    void withMsiOnEachRaiseSendsTheMessageAndIntaStaysLow() {
        int cap = f.configRead(PciConfig.CAPABILITIES, 1);
        f.configWrite(cap + 4, 4, 0xFEE0_0000);
        f.configWrite(cap + 12, 2, 0xEE);
        f.configWrite(cap + 2, 2, PciConfig.MSI_ENABLE);
        f.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_BUS_MASTER);
        edu.write(0x60, 4, 1);
        edu.write(0x60, 4, 1);
        edu.write(0x64, 4, 1);
        assertEquals(List.of("msi fee00000:ee", "msi fee00000:ee"), interrupts);
    }

    /** edu_dma of kvm-unit-tests: 64-bit source, destination and count, then the command; poll bit 0. */
    private void dma(long source, long destination, long count, long command) {
        edu.write(0x80, 8, source);
        edu.write(0x88, 8, destination);
        edu.write(0x90, 8, count);
        edu.write(0x98, 4, command);
    }

    @Test
    void dmaIntoTheBufferAndBackOutThroughTheBus() {
        f.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_BUS_MASTER);
        ram.write32(0x5000, 0x1234_5678);
        dma(0x5000, 0x40000 + 16, 4, EduDevice.DMA_START);
        assertEquals(0L, edu.read(0x98, 4) & EduDevice.DMA_START, "finished");
        dma(0x40000 + 16, 0x6004, 4, EduDevice.DMA_START | EduDevice.DMA_FROM_DEVICE | EduDevice.DMA_IRQ);
        assertEquals(0x1234_5678, ram.read32(0x6004));
        assertEquals(EduDevice.INTERRUPT_DMA, edu.read(0x24, 4), "bit 2 asked for the DMA interrupt");
        assertEquals(0x6004L, edu.read(0x88, 8), "the registers read back at 64 bits");
    }

    @Test
    void aDmaTheDeviceMayNotMakeMovesNothingAndStillEnds() {
        ram.write32(0x5000, 0x1234_5678);
        dma(0x5000, 0x40000, 4, EduDevice.DMA_START);
        dma(0x40000, 0x6000, 4, EduDevice.DMA_START | EduDevice.DMA_FROM_DEVICE);
        assertEquals(0, ram.read32(0x6000), "bus mastering is off");
        f.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_BUS_MASTER);
        dma(0x5000, 0x40000 + 4094, 4, EduDevice.DMA_START);
        dma(0x40000 + 4094, 0x6000, 4, EduDevice.DMA_START | EduDevice.DMA_FROM_DEVICE);
        assertEquals(0, ram.read32(0x6000), "a transfer leaving the 4 KiB buffer moves nothing");
        assertEquals(0L, edu.read(0x98, 4) & EduDevice.DMA_START);
        dma(0x40000, 0xFFFF_FFF0L, 4, EduDevice.DMA_START | EduDevice.DMA_FROM_DEVICE);
        assertEquals(0L, edu.read(0x98, 4) & EduDevice.DMA_START, "outside RAM: refused, and over");
    }

    /** With an IOMMU on the bus every page of the transfer is translated for the edu's requester ID. */
    @Test
    void aDmaGoesThroughTheBussRemapper() {
        List<String> requests = new ArrayList<>();
        bus.remapDma((requester, address, write) -> {
            requests.add(Integer.toHexString(requester) + (write ? " w " : " r ") + Long.toHexString(address));
            return address < 0x2000 ? address + 0x8000 : jvisor.devices.pci.DmaRemapper.BLOCKED;
        });
        f.configWrite(PciConfig.COMMAND, 2, PciConfig.COMMAND_BUS_MASTER);
        ram.write32(0x8FFE, 0xA1B2_C3D4);
        ram.write32(0x9002, 0x1122_3344);
        dma(0xFFE, 0x40000, 8, EduDevice.DMA_START);
        dma(0x40000, 0x1000, 8, EduDevice.DMA_START | EduDevice.DMA_FROM_DEVICE);
        assertEquals(0xA1B2_C3D4, ram.read32(0x9000));
        assertEquals(0x1122_3344, ram.read32(0x9004));
        assertEquals(List.of("20 r ffe", "20 r 1000", "20 w 1000"), requests, "a page at a time");
        dma(0x40000, 0x2000, 4, EduDevice.DMA_START | EduDevice.DMA_FROM_DEVICE);
        assertEquals(0, ram.read32(0x2000), "blocked: nothing written");
    }

    @Test
    void aCommandWithoutTheStartBitIsIgnored() {
        edu.write(0x98, 4, EduDevice.DMA_IRQ);
        assertEquals(0L, edu.read(0x98, 4));
        assertFalse(interrupts.contains("gsi20=true"));
        assertTrue(interrupts.isEmpty());
    }
}

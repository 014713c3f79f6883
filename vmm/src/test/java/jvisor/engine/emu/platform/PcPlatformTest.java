package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.TestPlatform.enable;
import static jvisor.engine.emu.platform.TestPlatform.eoi;
import static jvisor.engine.emu.platform.TestPlatform.take;
import static jvisor.engine.emu.platform.TestPlatform.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.bus.IrqLine;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PcLayout;
import jvisor.bus.PortBus;
import jvisor.engine.BiosPlatformState;
import jvisor.engine.VmSpec;
import jvisor.engine.emu.Tsc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The platform as the emu engine creates it: hooks on the VM's buses, its interrupt lines, and
 * the real timer thread on the host clock driving halted processors. The timer tests count
 * interrupts that arrive; they never measure how long anything took.
 */
class PcPlatformTest {
    private static final long HANG_NANOS = 20_000_000_000L;

    private final PortBus ports = new PortBus();
    private final MmioBus mmio = new MmioBus(new MmioHandler() {
        @Override
        public long read(long offset, int size) {
            return MmioHandler.floating(size);
        }

        @Override
        public void write(long offset, int size, long value) {
        }
    });
    private final Tsc tsc = new Tsc();
    private final PcPlatform platform = PcPlatform.create(new VmSpec(null, 2, ports, mmio), tsc);

    @AfterEach
    void close() {
        platform.close();
    }

    @Test
    void hooksItsPortsAndTheIoApicPage() {
        assertEquals("pic-master", ports.nameOf(0x20));
        assertEquals("pic-master", ports.nameOf(0x21));
        assertEquals("pic-slave", ports.nameOf(0xA1));
        assertEquals("pic-elcr", ports.nameOf(0x4D1));
        for (int port = 0x40; port <= 0x43; port++) {
            assertEquals("pit", ports.nameOf(port));
        }
        assertEquals("port-b", ports.nameOf(0x61));
        assertEquals("ioapic", mmio.find(PcLayout.IOAPIC_BASE + 0x10).name());
        assertEquals(0x11, ioapicVersion() & 0xFF);
    }

    private int ioapicVersion() {
        mmio.write(PcLayout.IOAPIC_BASE, 4, 1);
        return (int) mmio.read(PcLayout.IOAPIC_BASE + 0x10, 4);
    }

    @Test
    void interruptLinesCoverTheIoApicPinsAndLeaveTheCascadeUnconnected() {
        assertSame(IrqLine.NONE, platform.irqLine(2));
        assertThrows(IllegalArgumentException.class, () -> platform.irqLine(24));
        assertThrows(IllegalArgumentException.class, () -> platform.irqLine(-1));
        assertEquals(1, platform.localInterrupts(1).apicId());
    }

    /** Runs a halted processor until it has taken {@code count} interrupts of {@code vector}. */
    private static void haltUntil(LocalApic cpu, int vector, int count, Runnable eoi) {
        long giveUp = System.nanoTime() + HANG_NANOS;
        int taken = 0;
        while (taken < count) {
            assertTrue(System.nanoTime() < giveUp, "only " + taken + " of " + count + " interrupts arrived");
            cpu.awaitEvent();
            int v = take(cpu);
            if (v >= 0) {
                assertEquals(vector, v);
                eoi.run();
                taken++;
            }
        }
    }

    /** The firmware's writes leave the devices as guests read them back; a level line forgets a pulse. */
    @Test
    void theBiosPlatformStateReadsBackAsSeaBiosLeavesIt() {
        BiosPlatformState bios = new BiosPlatformState(0x08, 0x70, 0xB8, 0x8E, 0x00, 0x0C, 2, 0x1_0000);
        for (BiosPlatformState.PortWrite w : bios.portWrites()) {
            ports.write(w.port(), 1, w.value());
        }
        assertEquals(0xB8, ports.read(0x21, 1));
        assertEquals(0x8E, ports.read(0xA1, 1));
        assertEquals(0x00, ports.read(0x4D0, 1));
        assertEquals(0x0C, ports.read(0x4D1, 1));
        ports.write(0x43, 1, 0xE2); // read-back: counter 0's status
        assertEquals(0x34, ports.read(0x40, 1) & 0x3F, "low/high byte access, mode 2, binary");
        platform.irqLine(11).set(true);
        assertEquals(0x08, ports.read(0xA0, 1) & 0x08, "IRQ 11 requested while its line is high");
        platform.irqLine(11).set(false);
        assertEquals(0, ports.read(0xA0, 1) & 0x08, "level-sensed: the request went with the line");
    }

    /**
     * A tick from the PICs that the processor keeps disabled (RFLAGS.IF = 0) is an event only
     * for a processor that could take it; an NMI is one either way.
     */
    @Test
    void aPicInterruptCountsOnlyForAProcessorThatCanTakeIt() {
        LocalApic bsp = platform.localApic(0);
        ports.write(0x21, 1, 0xFA); // unmask IRQ 0
        assertFalse(bsp.hasEvents(true));
        platform.irqLine(PcLayout.IRQ_PIT).pulse();
        assertTrue(bsp.hasEvents(true), "the tick is pending at LINT0 (ExtINT)");
        assertTrue(bsp.hasEvents());
        assertFalse(bsp.hasEvents(false), "with IF = 0 the processor cannot take it");
        bsp.accept(ApicMessage.fromIoApic(DeliveryMode.NMI, 0, false, 0, false));
        assertTrue(bsp.hasEvents(false), "an NMI is taken whatever IF says");
        assertTrue(bsp.takeNmi());
        assertFalse(bsp.hasEvents(false));
    }

    @Test
    void thePitAtOneKilohertzWakesAHaltedBspThroughThePics() {
        LocalApic bsp = platform.localApic(0);
        ports.write(0x21, 1, 0xFA); // BIOS vectors 0x08-0x0F; unmask IRQ 0
        ports.write(0x43, 1, 0x34);
        ports.write(0x40, 1, 1193 & 0xFF);
        ports.write(0x40, 1, 1193 >> 8);
        haltUntil(bsp, 0x08, 50, () -> ports.write(0x20, 1, 0x20));
    }

    @Test
    void theApicTimerWakesAHaltedProcessorInEachMode() {
        LocalApic ap = platform.localApic(1);
        enable(ap);
        write(ap, ApicRegisters.REG_TIMER_DIVIDE, 0xB);
        write(ap, ApicRegisters.REG_LVT_TIMER, 1 << 17 | 0xEC); // periodic
        write(ap, ApicRegisters.REG_TIMER_INITIAL, 500_000); // 0.5 ms
        haltUntil(ap, 0xEC, 20, () -> eoi(ap));
        write(ap, ApicRegisters.REG_LVT_TIMER, 1 << 16 | 1 << 17 | 0xEC); // masked
        while (take(ap) == 0xEC) {
            eoi(ap); // a period that ended meanwhile (perhaps one owed) is still requested
        }

        write(ap, ApicRegisters.REG_LVT_TIMER, 2 << 17 | 0xED); // TSC deadline
        for (int i = 0; i < 5; i++) {
            ap.setTscDeadlineMsr(tsc.now() + 200_000);
            haltUntil(ap, 0xED, 1, () -> eoi(ap));
        }
    }

    @Test
    void closeStopsTheTimerThread() {
        assertTrue(platform.timers().threadAlive());
        platform.close();
        assertFalse(platform.timers().threadAlive());
    }
}

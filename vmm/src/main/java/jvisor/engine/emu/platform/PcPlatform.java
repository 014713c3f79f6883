package jvisor.engine.emu.platform;

import jvisor.bus.InterruptRemapper;
import jvisor.bus.IrqLine;
import jvisor.bus.MmioBus;
import jvisor.bus.PcLayout;
import jvisor.bus.PortBus;
import jvisor.engine.VmSpec;
import jvisor.engine.emu.EmuPlatform;
import jvisor.engine.emu.LocalInterrupts;
import jvisor.engine.emu.Tsc;

/**
 * The emu engine's PC platform, what kvm keeps in the kernel: a local APIC per processor, the
 * IOAPIC, the two 8259 PICs and the 8254 PIT, wired the way QEMU's "pc" machine wires them.
 *
 * <ul>
 *   <li>{@link #irqLine(int)} for ISA IRQ n drives PIC line n and IOAPIC pin n, except IRQ 0
 *       (the PIT's), which reaches IOAPIC pin 2 as the MADT's interrupt source override says.
 *       Lines 16-23 reach only the IOAPIC. Line 2 is the PICs' cascade and connects to nothing.
 *   <li>The master PIC's INTR reaches every local APIC's LINT0 (only the BSP's is programmed for
 *       ExtINT at power-up) and IOAPIC pin 0 (for ExtINT through the IOAPIC).
 *   <li>IOAPIC messages and IPIs travel on one {@link ApicBus}.
 *   <li>One timer thread fires the PIT's counter 0 and every local APIC timer. The PIT reinjects
 *       ticks the guest took late, told by the PICs and the IOAPIC when each tick was taken.
 *   <li>At power-up the PICs are programmed as a PC BIOS leaves them (vectors 0x08 and 0x70,
 *       everything but the cascade masked) and the BSP's LINT0 is in ExtINT mode; the PIT is idle.
 * </ul>
 *
 * The local APIC timer counts at {@link #APIC_TIMER_HZ}: CPUID leaf 0x15 should report it as the
 * core crystal clock (Linux takes its APIC timer rate from there) and leaf 0x16 as the bus clock.
 */
public final class PcPlatform implements EmuPlatform {
    public static final long APIC_TIMER_HZ = LocalApic.TIMER_HZ;

    private final PlatformTimers timers;
    private final LocalApic[] apics;
    private final IoApic ioApic;
    private final ApicBus bus;
    private final DualPic pic;
    private final Pit8254 pit;
    private final IrqLine[] lines = new IrqLine[PcLayout.IOAPIC_PINS];

    private PcPlatform(int cpus, Tsc tsc) {
        timers = new PlatformTimers(tsc::hostNanos);
        bus = new ApicBus();
        ioApic = new IoApic(PcLayout.ioapicId(cpus), bus);
        apics = new LocalApic[cpus];
        pic = new DualPic(this::picIntrChanged);
        for (int i = 0; i < cpus; i++) {
            apics[i] = new LocalApic(i, bus, pic, timers, tsc);
        }
        bus.connect(apics, ioApic);
        for (int gsi = 0; gsi < lines.length; gsi++) {
            lines[gsi] = lineFor(gsi);
        }
        pit = new Pit8254(timers, lines[PcLayout.IRQ_PIT],
                () -> pic.masked(PcLayout.IRQ_PIT) && ioApic.masked(PcLayout.GSI_PIT));
        pic.watch(PcLayout.IRQ_PIT, pit);
        ioApic.watch(PcLayout.GSI_PIT, pit);
    }

    /** Builds the platform for {@code spec}, hooks its ports and MMIO, and starts its timer thread. */
    public static PcPlatform create(VmSpec spec, Tsc tsc) {
        PcPlatform platform = build(spec.cpuCount(), spec.ports(), spec.mmio(), tsc);
        platform.timers.start();
        return platform;
    }

    /** The platform with its hooks but without the timer thread: tests fire timers themselves. */
    static PcPlatform build(int cpus, PortBus ports, MmioBus mmio, Tsc tsc) {
        PcPlatform p = new PcPlatform(cpus, tsc);
        ports.register(PcLayout.PIC_MASTER, 2, p.pic, "pic-master");
        ports.register(PcLayout.PIC_SLAVE, 2, p.pic, "pic-slave");
        ports.register(PcLayout.PIC_ELCR, 2, p.pic, "pic-elcr");
        ports.register(PcLayout.PIT, 4, p.pit, "pit");
        ports.register(PcLayout.PORT_B, 1, p.pit, "port-b");
        mmio.register(PcLayout.IOAPIC_BASE, PcLayout.PAGE, p.ioApic, "ioapic");
        return p;
    }

    @Override
    public LocalInterrupts localInterrupts(int cpu) {
        return apics[cpu];
    }

    @Override
    public IrqLine irqLine(int gsi) {
        if (gsi < 0 || gsi >= lines.length) {
            throw new IllegalArgumentException("no interrupt line " + gsi + " (the IOAPIC has "
                    + lines.length + " pins)");
        }
        return lines[gsi];
    }

    @Override
    public void signalMsi(long address, int data) {
        ApicMessage m = ApicMessage.fromMsi(address, data);
        if (m != null) {
            bus.send(m, null);
        }
    }

    @Override
    public boolean remapIoApicInterrupts(InterruptRemapper remapper) {
        ioApic.remapThrough(remapper);
        return true;
    }

    @Override
    public void close() {
        timers.close();
    }

    LocalApic localApic(int cpu) {
        return apics[cpu];
    }

    PlatformTimers timers() {
        return timers;
    }

    DualPic pic() {
        return pic;
    }

    Pit8254 pit() {
        return pit;
    }

    private IrqLine lineFor(int gsi) {
        if (gsi == PcLayout.IRQ_PIT) {
            return level -> {
                pic.setIrq(PcLayout.IRQ_PIT, level);
                ioApic.setPin(PcLayout.GSI_PIT, level);
            };
        }
        if (gsi == 2) {
            return IrqLine.NONE;
        }
        if (gsi < 16) {
            return level -> {
                pic.setIrq(gsi, level);
                ioApic.setPin(gsi, level);
            };
        }
        return level -> ioApic.setPin(gsi, level);
    }

    /** The master PIC's INT output, called with the PICs' lock held. */
    private void picIntrChanged(boolean level) {
        for (LocalApic apic : apics) {
            apic.setPicIntr(level);
        }
        ioApic.setPin(0, level);
    }
}

package jvisor.devices;

import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.ShutdownCause;
import jvisor.core.Stage;

/**
 * ACPI fixed hardware: the PM1a event block (status, write 1 to clear; enable), the PM1a control
 * block (SCI_EN always set, because the FADT gives no SMI command port and so ACPI mode is never
 * left; SLP_EN with the S5 sleep type powers off), the PM timer at 3.579545 MHz with its TMR_STS
 * carry event, and a 4-byte GPE0 block. SCI (IRQ 9, level) is asserted
 * while any status bit is set together with its enable bit. Registers are byte-addressable; a
 * wider access covers consecutive bytes, and a timer read takes one sample for all of them.
 */
public final class AcpiPm implements PortHandler {
    /** PM1a event (4), PM1a control (2), 2 unused, PM timer (4). */
    public static final int PM_PORTS = 12;

    static final int PM1_STS = 0;
    static final int PM1_EN = 2;
    static final int PM1_CNT = 4;
    static final int PM_TMR = 8;

    static final int TMR_STS = 0x0001;
    static final int PWRBTN_STS = 0x0100;
    /** Status bits that have an enable bit at the same position in PM1_EN. */
    static final int EVENTS_WITH_ENABLE = 0x0001 | 0x0020 | 0x0100 | 0x0200 | 0x0400;
    static final int ENABLE_BITS = EVENTS_WITH_ENABLE | 0x4000;

    static final int SCI_EN = 0x0001;
    static final int SLP_TYP_SHIFT = 10;
    static final int SLP_TYP = 0x7 << SLP_TYP_SHIFT;
    static final int SLP_EN = 0x2000;
    /** SCI_EN, BM_RLD and SLP_TYP keep what is written; GBL_RLS and SLP_EN are write-only. */
    static final int CNT_KEPT = SCI_EN | 0x0002 | SLP_TYP;

    /**
     * The counter has 32 bits, but the FADT claims 24 (TMR_VAL_EXT clear; the OS masks), so the
     * carry into TMR_STS is the one the OS expects from a 24-bit timer: each flip of bit 23.
     */
    static final int TIMER_CARRY_BIT = 23;

    private final DeviceClock clock;
    private final DeviceTimer timer;
    private final IrqOutput sci;
    private final ShutdownRequester shutdown;
    private final DeviceLog log;
    private final long timerOrigin;
    private final Gpe0 gpe0 = new Gpe0();
    private int status;
    private int enable;
    private int control = SCI_EN;
    private long lastTimerTicks;

    public AcpiPm(IrqLine sci, DeviceClock clock, ShutdownRequester shutdown, DeviceLog log) {
        this.sci = new IrqOutput(sci);
        this.clock = clock;
        this.shutdown = shutdown;
        this.log = log;
        this.timer = clock.newTimer(this::timerFired);
        this.timerOrigin = clock.nanoTime();
    }

    @InitFunction(stage = Stage.DRIVER, order = 1)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        SystemDeviceClock clock = new SystemDeviceClock("jvisor-acpi-pm", p.vmm().console().log());
        p.vmm().onTeardown(clock);
        AcpiPm pm = new AcpiPm(vm.irqLine(PcLayout.IRQ_SCI), clock, vm::requestShutdown,
                new DeviceLog(p.vmm().console().log(), "acpi"));
        vm.ports().register(PcLayout.ACPI_PM_BASE, PM_PORTS, pm, "ACPI PM");
        vm.ports().register(PcLayout.ACPI_GPE0, PcLayout.ACPI_GPE0_LENGTH, pm.gpe0(), "ACPI GPE0");
    }

    /** The GPE0 block's port handler (status bytes, then enable bytes). */
    public PortHandler gpe0() {
        return gpe0;
    }

    /** The power button was pressed: PWRBTN_STS, and SCI if the guest enabled it. */
    public synchronized void pressPowerButton() {
        status |= PWRBTN_STS;
        updateSci();
    }

    @Override
    public synchronized int read(int port, int size) {
        int offset = port - PcLayout.ACPI_PM_BASE;
        long now = clock.nanoTime();
        evaluate(now);
        int counter = (int) timerTicks(now);
        int value = 0;
        for (int i = 0; i < size; i++) {
            value |= readByte(offset + i, counter) << (8 * i);
        }
        return value;
    }

    @Override
    public synchronized void write(int port, int size, int value) {
        int offset = port - PcLayout.ACPI_PM_BASE;
        evaluate(clock.nanoTime());
        for (int i = 0; i < size; i++) {
            writeByte(offset + i, (value >>> (8 * i)) & 0xFF);
        }
        updateSci();
        schedule();
    }

    private int readByte(int offset, int counter) {
        return switch (offset) {
            case PM1_STS, PM1_STS + 1 -> byteOf(status, offset - PM1_STS);
            case PM1_EN, PM1_EN + 1 -> byteOf(enable, offset - PM1_EN);
            case PM1_CNT, PM1_CNT + 1 -> byteOf(control, offset - PM1_CNT);
            case PM_TMR, PM_TMR + 1, PM_TMR + 2, PM_TMR + 3 -> byteOf(counter, offset - PM_TMR);
            default -> 0xFF;
        };
    }

    private void writeByte(int offset, int value) {
        switch (offset) {
            case PM1_STS, PM1_STS + 1 -> status &= ~(value << (8 * (offset - PM1_STS)));
            case PM1_EN, PM1_EN + 1 -> enable = withByte(enable, offset - PM1_EN, value) & ENABLE_BITS;
            case PM1_CNT -> control = withByte(control, 0, value) & CNT_KEPT | SCI_EN;
            case PM1_CNT + 1 -> writeControlHigh(value);
            default -> { }
        }
    }

    /** SLP_TYP and SLP_EN share the high byte, so the sleep request sees both as one write. */
    private void writeControlHigh(int value) {
        int written = withByte(control, 1, value);
        control = written & CNT_KEPT | SCI_EN;
        if ((written & SLP_EN) == 0) {
            return;
        }
        int sleepType = (written & SLP_TYP) >>> SLP_TYP_SHIFT;
        if (sleepType == PcLayout.ACPI_SLP_TYP_S5) {
            shutdown.requestShutdown(new ShutdownCause.PowerOff("ACPI S5"));
        } else {
            log.warn("sleep type %d requested; only S5 (soft off) is supported, ignored", sleepType);
        }
    }

    private long timerTicks(long now) {
        return Ticks.count(now - timerOrigin, PcLayout.ACPI_PM_TIMER_HZ);
    }

    /** TMR_STS is set whenever the carry bit of the counter flipped since the last look. */
    private void evaluate(long now) {
        long ticks = timerTicks(now);
        if ((ticks >>> TIMER_CARRY_BIT) != (lastTimerTicks >>> TIMER_CARRY_BIT)) {
            status |= TMR_STS;
        }
        lastTimerTicks = ticks;
        updateSci();
    }

    private void timerFired() {
        synchronized (this) {
            evaluate(clock.nanoTime());
            schedule();
        }
    }

    /** Only TMR_EN with TMR_STS clear needs a wake-up: at the next carry, 2.3 seconds apart. */
    private void schedule() {
        if ((enable & TMR_STS) != 0 && (status & TMR_STS) == 0) {
            long nextFlip = ((lastTimerTicks >>> TIMER_CARRY_BIT) + 1) << TIMER_CARRY_BIT;
            timer.arm(timerOrigin + Ticks.nanosAt(nextFlip, PcLayout.ACPI_PM_TIMER_HZ));
        } else {
            timer.disarm();
        }
    }

    private void updateSci() {
        boolean pm1 = (status & enable & EVENTS_WITH_ENABLE) != 0;
        sci.drive((control & SCI_EN) != 0 && (pm1 || gpe0.pending()));
    }

    private static int byteOf(int register, int index) {
        return (register >>> (8 * index)) & 0xFF;
    }

    private static int withByte(int register, int index, int value) {
        int shift = 8 * index;
        return register & ~(0xFF << shift) | value << shift;
    }

    /** GPE0: two status bytes (write 1 to clear) and two enable bytes. No event source sets a bit yet. */
    private final class Gpe0 implements PortHandler {
        private int gpeStatus;
        private int gpeEnable;

        boolean pending() {
            return (gpeStatus & gpeEnable) != 0;
        }

        @Override
        public int read(int port, int size) {
            synchronized (AcpiPm.this) {
                long both = (gpeStatus & 0xFFFFL) | (long) (gpeEnable & 0xFFFF) << 16;
                int offset = port - PcLayout.ACPI_GPE0;
                int value = 0;
                for (int i = 0; i < size; i++) {
                    int at = offset + i;
                    value |= (at < PcLayout.ACPI_GPE0_LENGTH ? (int) (both >>> (8 * at)) & 0xFF : 0xFF) << (8 * i);
                }
                return value;
            }
        }

        @Override
        public void write(int port, int size, int value) {
            synchronized (AcpiPm.this) {
                int offset = port - PcLayout.ACPI_GPE0;
                for (int i = 0; i < size; i++) {
                    int at = offset + i;
                    int b = (value >>> (8 * i)) & 0xFF;
                    if (at < 2) {
                        gpeStatus &= ~(b << (8 * at));
                    } else if (at < PcLayout.ACPI_GPE0_LENGTH) {
                        gpeEnable = withByte(gpeEnable, at - 2, b);
                    }
                }
                updateSci();
            }
        }
    }
}

package jvisor.devices;

import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.engine.GuestMemory;

/**
 * The MC146818 real-time clock and its 128 bytes of CMOS RAM behind the index port 0x70 (bit 7
 * masks NMI) and the data port 0x71. The time of day is the host's UTC clock plus an offset the
 * guest changes by setting the time; it advances with the monotonic clock, so host clock steps
 * do not reach the guest. Interrupt flags are worked out from the clock when the guest looks at
 * them or when the one timer fires: periodic (status A's rate), update-ended (each second) and
 * alarm, each raising IRQF and IRQ 8 when enabled, all cleared by reading status C.
 */
public final class Cmos implements ByteRegisters {
    public static final int PORTS = 2;

    static final int REG_A = 0x0A;
    static final int REG_B = 0x0B;
    static final int REG_C = 0x0C;
    static final int REG_D = 0x0D;

    static final int A_UIP = 0x80;
    static final int A_DIVIDER = 0x70;
    /** The 32.768 kHz time base; QEMU counts anything at or below it as running. */
    static final int A_DIVIDER_RUNNING = 0x20;
    static final int A_RATE = 0x0F;
    static final int A_AT_RESET = A_DIVIDER_RUNNING | 0x06;

    static final int B_SET = 0x80;
    static final int B_PIE = 0x40;
    static final int B_AIE = 0x20;
    static final int B_UIE = 0x10;
    static final int B_AT_RESET = RtcCalendar.B_24_HOUR;

    static final int C_IRQF = 0x80;
    static final int C_PF = 0x40;
    static final int C_AF = 0x20;
    static final int C_UF = 0x10;

    static final int D_VRT = 0x80;
    static final int NMI_DISABLE = 0x80;

    /** UIP rises 244 us before the update and stays up for its 1984 us; the registers change at its end. */
    static final long UPDATE_WINDOW_NANOS = 244_000 + 1_984_000;
    /** After the divider leaves reset, the first update comes half a second later. */
    static final long DIVIDER_RESTART_PHASE = Ticks.NANOS_PER_SECOND / 2;
    private static final long SECOND = Ticks.NANOS_PER_SECOND;
    private static final int MAX_ALARM_SCAN = 86_400;

    private final DeviceClock clock;
    private final DeviceTimer timer;
    private final IrqOutput irq;
    private final DeviceLog log;
    private final int[] ram = new int[128];
    private int index;
    private boolean nmiMasked;
    /**
     * The guest's time of day relative to the monotonic clock, kept as whole seconds plus a
     * sub-second shift so that any year the registers can hold (up to 9999) fits in a long.
     */
    private long offsetSeconds;
    private long offsetNanos;
    private long dividerStart;
    private long lastPeriodicTick;
    private long lastUpdateSecond;

    public Cmos(IrqLine irq, DeviceClock clock, CmosMemorySizes memory, DeviceLog log) {
        this.clock = clock;
        this.irq = new IrqOutput(irq);
        this.log = log;
        this.timer = clock.newTimer(this::timerFired);
        long now = clock.nanoTime();
        long wall = clock.wallClockNanos();
        dividerStart = now;
        ram[REG_A] = A_AT_RESET;
        ram[REG_B] = B_AT_RESET;
        ram[REG_D] = D_VRT;
        memory.storeInto(ram);
        setGuestTime(now, Math.floorDiv(wall, SECOND), Math.floorMod(wall, SECOND));
        RtcCalendar.store(ram, lastUpdateSecond, ram[REG_B]);
    }

    @InitFunction(stage = Stage.DRIVER, order = 1)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        SystemDeviceClock clock = new SystemDeviceClock("jvisor-rtc", p.vmm().console().log());
        p.vmm().onTeardown(clock);
        GuestMemory ram = vm.ram();
        CmosMemorySizes memory = new CmosMemorySizes(ram.lowSize(), ram.size() - ram.lowSize(), vm.cpuCount());
        Cmos cmos = new Cmos(vm.irqLine(PcLayout.IRQ_RTC), clock, memory, new DeviceLog(p.vmm().console().log(), "rtc"));
        vm.ports().register(PcLayout.CMOS, PORTS, cmos, "CMOS/RTC");
    }

    @Override
    public int firstPort() {
        return PcLayout.CMOS;
    }

    @Override
    public int registerCount() {
        return PORTS;
    }

    /** The index port is write-only and reads as the floating bus. */
    @Override
    public synchronized int readRegister(int port) {
        return port == 0 ? 0xFF : readCmos(index, clock.nanoTime());
    }

    @Override
    public synchronized void writeRegister(int port, int value) {
        if (port == 0) {
            index = value & ~NMI_DISABLE;
            nmiMasked = (value & NMI_DISABLE) != 0;
        } else {
            writeCmos(index, value, clock.nanoTime());
        }
    }

    /** Whether the last index write set bit 7, which masks NMI on a PC. */
    public synchronized boolean nmiMasked() {
        return nmiMasked;
    }

    private int readCmos(int register, long now) {
        if (RtcCalendar.isTimeRegister(register) && running()) {
            RtcCalendar.store(ram, guestSecond(now), ram[REG_B]);
        }
        return switch (register) {
            case REG_A -> ram[REG_A] | (updateInProgress(now) ? A_UIP : 0);
            case REG_C -> readStatusC(now);
            case REG_D -> D_VRT;
            default -> ram[register];
        };
    }

    private void writeCmos(int register, int value, long now) {
        if (register == REG_C || register == REG_D) {
            log.warn("write %#04x to read-only status register %c ignored", value, register == REG_C ? 'C' : 'D');
            return;
        }
        boolean wasRunning = running();
        boolean dividerWasRunning = dividerRunning();
        if (wasRunning) {
            RtcCalendar.store(ram, guestSecond(now), ram[REG_B]);
        }
        evaluate(now);
        switch (register) {
            case REG_A -> ram[REG_A] = value & ~A_UIP;
            // Setting SET stops updates and, per the datasheet, clears UIE.
            case REG_B -> ram[REG_B] = (value & B_SET) != 0 ? value & ~B_UIE : value;
            default -> ram[register] = value;
        }
        if (register == REG_A) {
            if (!dividerWasRunning && dividerRunning()) {
                dividerStart = now;
            }
            lastPeriodicTick = periodicTick(now);
        }
        if (!wasRunning && running()) {
            setGuestTime(now, RtcCalendar.load(ram, ram[REG_B]), dividerWasRunning ? 0 : DIVIDER_RESTART_PHASE);
        } else if (wasRunning && running() && RtcCalendar.isTimeRegister(register)) {
            setGuestTime(now, RtcCalendar.load(ram, ram[REG_B]), guestFraction(now));
        }
        raiseIrqf();
        schedule(now);
    }

    /** From {@code now} on the guest's time of day is {@code phase} nanoseconds into {@code second}. */
    private void setGuestTime(long now, long second, long phase) {
        offsetNanos = Math.floorMod(phase - now, SECOND);
        offsetSeconds = second - Math.floorDiv(now + offsetNanos, SECOND);
        lastUpdateSecond = second;
    }

    private int readStatusC(long now) {
        evaluate(now);
        int value = ram[REG_C];
        ram[REG_C] = 0;
        irq.drive(false);
        schedule(now);
        return value;
    }

    private void timerFired() {
        synchronized (this) {
            long now = clock.nanoTime();
            evaluate(now);
            schedule(now);
        }
    }

    /** Sets the flags for whatever happened since the last look: periodic ticks, updates, alarms. */
    private void evaluate(long now) {
        if (periodicRate() != 0) {
            long tick = periodicTick(now);
            if (tick != lastPeriodicTick) {
                ram[REG_C] |= C_PF;
                lastPeriodicTick = tick;
            }
        }
        if (running()) {
            long second = guestSecond(now);
            if (second > lastUpdateSecond) {
                ram[REG_C] |= C_UF | (alarmBetween(lastUpdateSecond + 1, second) ? C_AF : 0);
                lastUpdateSecond = second;
            }
        }
        raiseIrqf();
    }

    private boolean alarmBetween(long firstSecond, long lastSecond) {
        // The alarm repeats daily at most, so the last day of a long gap is enough.
        long from = Math.max(firstSecond, lastSecond - MAX_ALARM_SCAN + 1);
        for (long s = from; s <= lastSecond; s++) {
            if (RtcCalendar.alarmMatches(ram, ram[REG_B], s)) {
                return true;
            }
        }
        return false;
    }

    private void raiseIrqf() {
        int enabled = ram[REG_B] & (B_PIE | B_AIE | B_UIE);
        // PIE, AIE, UIE sit at the same bit positions in B as PF, AF, UF in C.
        if ((ram[REG_C] & enabled) != 0) {
            ram[REG_C] |= C_IRQF;
        }
        irq.drive((ram[REG_C] & C_IRQF) != 0);
    }

    /** Arms the timer for the next enabled event; none is needed while IRQF holds the line up. */
    private void schedule(long now) {
        long next = Long.MAX_VALUE;
        int b = ram[REG_B];
        if ((ram[REG_C] & C_IRQF) == 0) {
            long hz = periodicRate();
            if ((b & B_PIE) != 0 && hz != 0) {
                next = dividerStart + Ticks.nanosAt(lastPeriodicTick + 1, hz);
            }
            if ((b & (B_UIE | B_AIE)) != 0 && running()) {
                next = Math.min(next, now + SECOND - guestFraction(now));
            }
        }
        if (next == Long.MAX_VALUE) {
            timer.disarm();
        } else {
            timer.arm(next);
        }
    }

    private boolean updateInProgress(long now) {
        return running() && guestFraction(now) >= SECOND - UPDATE_WINDOW_NANOS;
    }

    /** The periodic interrupt rate status A selects, in Hz; 0 when off or the divider is held. */
    private long periodicRate() {
        int select = ram[REG_A] & A_RATE;
        if (select == 0 || !dividerRunning()) {
            return 0;
        }
        return select <= 2 ? 256 >> (select - 1) : 65536 >> select;
    }

    private long periodicTick(long now) {
        long hz = periodicRate();
        return hz == 0 ? 0 : Ticks.count(now - dividerStart, hz);
    }

    private boolean dividerRunning() {
        return (ram[REG_A] & A_DIVIDER) <= A_DIVIDER_RUNNING;
    }

    /** The calendar advances unless SET is on or the divider is held in reset. */
    private boolean running() {
        return (ram[REG_B] & B_SET) == 0 && dividerRunning();
    }

    private long guestSecond(long now) {
        return Math.floorDiv(now + offsetNanos, SECOND) + offsetSeconds;
    }

    /** How far into its current second the guest's clock is, in nanoseconds. */
    private long guestFraction(long now) {
        return Math.floorMod(now + offsetNanos, SECOND);
    }
}

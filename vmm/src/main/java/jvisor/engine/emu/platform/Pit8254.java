package jvisor.engine.emu.platform;

import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;

/**
 * The Intel 8254 programmable interval timer at ports 0x40-0x43, clocked at
 * {@link PcLayout#PIT_HZ} from the platform clock, with system control port B (0x61): counter
 * 2's gate in bit 0 and its output in bit 5, the way guests calibrate their clocks. Counter 0's
 * output rising edges interrupt on IRQ 0, fired by the platform timer thread; edges the thread
 * missed coalesce into one interrupt.
 */
final class Pit8254 implements PortHandler {
    /** Counter 0 interrupts at most this often (about 20 kHz) however small its count. */
    static final long MIN_PERIOD_TICKS = PcLayout.PIT_HZ / 20_000;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** Port B bit 4 toggles with each DRAM refresh request, every 15.085 microseconds on a PC. */
    private static final long REFRESH_NANOS = 15_085;
    private static final int PORT_CONTROL = PcLayout.PIT + 3;

    private final PitChannel[] channels = {new PitChannel(true), new PitChannel(true), new PitChannel(false)};
    private final PlatformTimers timers;
    private final PlatformTimers.Timer irqTimer;
    private final IrqLine irq0;
    private final long originNanos;
    private long scheduledEdge = PitChannel.NEVER;
    private int portB;

    Pit8254(PlatformTimers timers, IrqLine irq0) {
        this.timers = timers;
        this.irq0 = irq0;
        this.originNanos = timers.now();
        this.irqTimer = timers.newTimer("pit counter 0", this::onTimer);
    }

    @Override
    public synchronized int read(int port, int size) {
        long nanos = timers.now();
        long now = ticks(nanos);
        return switch (port) {
            case PcLayout.PIT, PcLayout.PIT + 1, PcLayout.PIT + 2 -> channels[port - PcLayout.PIT].readByte(now);
            case PcLayout.PORT_B -> portB
                    | (int) ((nanos - originNanos) / REFRESH_NANOS & 1) << 4
                    | (channels[2].output(now) ? 0x20 : 0);
            default -> 0xFF; // the control word register cannot be read
        };
    }

    @Override
    public synchronized void write(int port, int size, int value) {
        long now = ticks(timers.now());
        int v = value & 0xFF;
        switch (port) {
            case PcLayout.PIT, PcLayout.PIT + 1, PcLayout.PIT + 2 -> channels[port - PcLayout.PIT].writeByte(v, now);
            case PORT_CONTROL -> controlWord(v, now);
            case PcLayout.PORT_B -> {
                portB = v & 0x0F;
                channels[2].setGate((v & 1) != 0, now);
            }
            default -> { }
        }
        if (port == PcLayout.PIT || port == PORT_CONTROL && v >>> 6 == 0) {
            scheduleIrq(now, now); // counter 0 was reprogrammed
        }
    }

    private void controlWord(int v, long now) {
        int select = v >>> 6;
        if (select == 3) {
            readBack(v, now);
            return;
        }
        int access = (v >>> 4) & 3;
        if (access == 0) {
            channels[select].latchCount(now);
        } else {
            channels[select].program(access, (v >>> 1) & 7, (v & 1) != 0, now);
        }
    }

    /** The read-back command: bit 5 clear latches counts, bit 4 clear latches status, bits 3:1 select. */
    private void readBack(int v, long now) {
        for (int c = 0; c < 3; c++) {
            if ((v & (2 << c)) != 0) {
                if ((v & 0x20) == 0) {
                    channels[c].latchCount(now);
                }
                if ((v & 0x10) == 0) {
                    channels[c].latchStatus(now);
                }
            }
        }
    }

    private void onTimer(long nanos) {
        boolean edge;
        synchronized (this) {
            long now = ticks(nanos);
            edge = scheduledEdge != PitChannel.NEVER && now >= scheduledEdge;
            long earliest = edge ? Math.max(now, scheduledEdge + MIN_PERIOD_TICKS - 1) : now;
            scheduleIrq(now, earliest);
        }
        if (edge) {
            irq0.pulse(); // outside the lock: the PICs and the IOAPIC take their own
        }
    }

    /** Arms the platform timer for counter 0's first rising edge after {@code after}. */
    private void scheduleIrq(long now, long after) {
        channels[0].advance(now);
        scheduledEdge = channels[0].nextRisingEdge(after);
        if (scheduledEdge == PitChannel.NEVER) {
            timers.cancel(irqTimer);
        } else {
            timers.schedule(irqTimer, nanos(scheduledEdge));
        }
    }

    /** PIT clocks since the PIT was made, rounded down; exact for centuries of uptime. */
    private long ticks(long nanos) {
        long n = Math.max(0, nanos - originNanos);
        return n / NANOS_PER_SECOND * PcLayout.PIT_HZ + n % NANOS_PER_SECOND * PcLayout.PIT_HZ / NANOS_PER_SECOND;
    }

    /** The platform time of tick {@code tick}, rounded up so that ticks(nanos(t)) == t. */
    private long nanos(long tick) {
        long whole = tick / PcLayout.PIT_HZ;
        long part = tick % PcLayout.PIT_HZ;
        return originNanos + whole * NANOS_PER_SECOND + (part * NANOS_PER_SECOND + PcLayout.PIT_HZ - 1) / PcLayout.PIT_HZ;
    }
}

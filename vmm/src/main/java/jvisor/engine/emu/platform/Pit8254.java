package jvisor.engine.emu.platform;

import java.util.function.BooleanSupplier;
import jvisor.bus.IrqLine;
import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;

/**
 * The Intel 8254 programmable interval timer at ports 0x40-0x43, clocked at
 * {@link PcLayout#PIT_HZ} from the platform clock, with system control port B (0x61): counter
 * 2's gate in bit 0 and its output in bit 5, the way guests calibrate their clocks. Counter 0's
 * output rising edges interrupt on IRQ 0, fired by the platform timer thread.
 *
 * <p>With reinjection on (KVM's default for its in-kernel PIT), every period counts: periods the
 * timer thread fired late and periods that ended while the guest had not yet taken the previous
 * tick are owed, and raised one at a time as the guest acknowledges each tick (the PICs' interrupt
 * acknowledge or the EOI of the IOAPIC pin's vector, through {@link AckListener}); see
 * {@link TickBacklog}. While IRQ 0 is masked at both controllers, or when the period is below the
 * host rate limit, ticks are plain edges and missed periods coalesce, as without reinjection.
 */
final class Pit8254 implements PortHandler, AckListener {
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
    /** Whether IRQ 0 is masked everywhere it could reach a processor; null without reinjection. */
    private final BooleanSupplier irq0Masked;
    private final TickBacklog backlog = new TickBacklog();
    /** Held while IRQ 0 is raised and released ({@link #raiseIrq0}). */
    private final Object irq0Edges = new Object();
    private long scheduledEdge = PitChannel.NEVER;
    private int portB;

    /** A PIT without reinjection: edges the timer thread missed coalesce into one interrupt. */
    Pit8254(PlatformTimers timers, IrqLine irq0) {
        this(timers, irq0, null);
    }

    /**
     * A PIT that reinjects missed ticks. The interrupt controllers must report IRQ 0's acknowledges
     * and mask changes to it as an {@link AckListener}; {@code irq0Masked} says whether the line is
     * masked at all of them.
     */
    Pit8254(PlatformTimers timers, IrqLine irq0, BooleanSupplier irq0Masked) {
        this.timers = timers;
        this.irq0 = irq0;
        this.irq0Masked = irq0Masked;
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
        if (port == PcLayout.PIT || port == PORT_CONTROL && v >>> 6 == 0 && (v & 0x30) != 0) {
            scheduleIrq(now, now); // counter 0 was reprogrammed: what was owed belongs to the old period
            backlog.restart(channels[0].count() * NANOS_PER_SECOND / PcLayout.PIT_HZ);
        }
    }

    /** The guest took the tick in flight: raises the next one owed, if any. */
    @Override
    public void acknowledged() {
        if (irq0Masked == null) {
            return;
        }
        boolean raise;
        synchronized (this) {
            raise = backlog.acknowledged(timers.now());
        }
        if (raise) {
            raiseIrq0();
        }
    }

    /** The guest masked or unmasked IRQ 0 somewhere: ticks owed from before are forgotten. */
    @Override
    public synchronized void maskChanged() {
        backlog.clear();
    }

    /** Ticks owed to the guest and not yet raised: for tests. */
    synchronized long ticksOwed() {
        return backlog.owed();
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
        // Asked outside our lock: the PICs and the IOAPIC take their own.
        boolean masked = irq0Masked == null || irq0Masked.getAsBoolean();
        boolean raise;
        synchronized (this) {
            long now = ticks(nanos);
            if (scheduledEdge == PitChannel.NEVER || now < scheduledEdge) {
                scheduleIrq(now, now);
                return;
            }
            boolean reinject = !masked && channels[0].count() >= MIN_PERIOD_TICKS;
            long lastEdge = scheduledEdge;
            long periods = 1;
            while (reinject && periods <= TickBacklog.MAX_TICKS) {
                long next = channels[0].nextRisingEdge(lastEdge);
                if (next > now) {
                    break;
                }
                lastEdge = next;
                periods++;
            }
            scheduleIrq(now, Math.max(now, lastEdge + MIN_PERIOD_TICKS - 1));
            if (reinject) {
                raise = backlog.elapsed(periods, nanos);
            } else {
                backlog.clear();
                raise = true;
            }
        }
        if (raise) {
            raiseIrq0();
        }
    }

    /**
     * An edge on IRQ 0, from the timer thread or from the processor acknowledging the last tick.
     * The two must not overlap: a raise that found the other's still high would make no edge, and
     * its tick would be lost while the backlog waits for its acknowledge. A lock of its own, so
     * that a raise does not hold up the PIT's ports.
     */
    private void raiseIrq0() {
        synchronized (irq0Edges) {
            irq0.pulse();
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

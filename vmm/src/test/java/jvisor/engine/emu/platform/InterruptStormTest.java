package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.TestPlatform.enable;
import static jvisor.engine.emu.platform.TestPlatform.eoi;
import static jvisor.engine.emu.platform.TestPlatform.ipi;
import static jvisor.engine.emu.platform.TestPlatform.take;
import static jvisor.engine.emu.platform.TestPlatform.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jvisor.bus.IrqLine;
import org.junit.jupiter.api.Test;

/**
 * Many interrupts from several threads at two processors at once: IPIs (fixed and lowest
 * priority), edge- and level-triggered IOAPIC lines. Each source, like a device, raises its next
 * interrupt only after the driver has serviced the last one; every interrupt raised must then be
 * taken and EOI'd exactly once. Handlers take higher-priority interrupts before their EOI, so
 * nesting and the ISR are exercised too.
 */
class InterruptStormTest {
    private static final int PER_SOURCE = 3_000;
    private static final long HANG_MILLIS = 60_000;

    /** One interrupt source with its own vector. */
    private static final class Source {
        final int vector;
        final Runnable raise;
        final IrqLine levelLine;
        final AtomicBoolean outstanding = new AtomicBoolean();
        final AtomicInteger raised = new AtomicInteger();
        final AtomicInteger handled = new AtomicInteger();

        Source(int vector, Runnable raise, IrqLine levelLine) {
            this.vector = vector;
            this.raise = raise;
            this.levelLine = levelLine;
        }
    }

    private final TestPlatform t = new TestPlatform(4);
    private final Source[] byVector = new Source[256];
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private volatile boolean done;

    @Test
    void everyInterruptIsTakenAndEndedExactlyOnce() throws InterruptedException {
        LocalApic[] cpus = {t.apic(0), t.apic(1), t.apic(2), t.apic(3)};
        for (int i = 0; i < cpus.length; i++) {
            enable(cpus[i]);
            write(cpus[i], ApicRegisters.REG_LDR, (1 << i) << 24);
        }
        List<List<Source>> groups = List.of(
                List.of(ipiSource(cpus[2], 0x41, 0x100 | 0x800, 0x03), ipiSource(cpus[2], 0x92, 0x100 | 0x800, 0x03)),
                List.of(ipiSource(cpus[3], 0x53, 0, 0), ipiSource(cpus[3], 0xA4, 0, 1), ipiSource(cpus[3], 0x65, 0, 1)),
                List.of(ioApicSource(16, 0x76, true), ioApicSource(17, 0xB7, true)),
                List.of(ioApicSource(18, 0x48, false), ioApicSource(19, 0xC9, false), ioApicSource(20, 0x5A, true)));

        List<Thread> receivers = List.of(receiver(cpus[0]), receiver(cpus[1]));
        List<Thread> senders = new ArrayList<>();
        for (List<Source> group : groups) {
            senders.add(Thread.ofPlatform().daemon().name("device").start(() -> raiseAll(group)));
        }
        for (Thread sender : senders) {
            sender.join(HANG_MILLIS);
            assertFalse(sender.isAlive(), "a device waited forever for its interrupt to be serviced");
        }
        done = true;
        for (Thread receiver : receivers) {
            cpus[receivers.indexOf(receiver)].wake();
            receiver.join(HANG_MILLIS);
        }

        assertEquals(List.of(), List.copyOf(problems));
        for (List<Source> group : groups) {
            for (Source s : group) {
                assertEquals(PER_SOURCE, s.raised.get());
                assertEquals(PER_SOURCE, s.handled.get(), "vector " + Integer.toHexString(s.vector));
            }
        }
        for (LocalApic cpu : cpus) {
            assertEquals(-1, cpu.pendingInterrupt());
            assertEquals(0, TestPlatform.read(cpu, ApicRegisters.REG_PPR), "nothing left in service");
        }
    }

    private Source ipiSource(LocalApic from, int vector, int mode, int destination) {
        Source s = new Source(vector, () -> ipi(from, destination, mode | vector), null);
        byVector[vector] = s;
        return s;
    }

    private Source ioApicSource(int pin, int vector, boolean level) {
        long logicalLowest = 0x03L << 56 | 1 << 11 | 1 << 8;
        t.route(pin, logicalLowest | (level ? 1 << 15 : 0) | vector);
        IrqLine line = t.platform.irqLine(pin);
        Source s = new Source(vector, level ? () -> line.set(true) : line::pulse, level ? line : null);
        byVector[vector] = s;
        return s;
    }

    private static void raiseAll(List<Source> group) {
        int remaining = group.size() * PER_SOURCE;
        while (remaining > 0) {
            for (Source s : group) {
                if (s.raised.get() < PER_SOURCE && s.outstanding.compareAndSet(false, true)) {
                    s.raised.incrementAndGet();
                    s.raise.run();
                    remaining--;
                }
            }
            Thread.onSpinWait();
        }
    }

    private Thread receiver(LocalApic cpu) {
        return Thread.ofPlatform().daemon().name("cpu" + cpu.index()).start(() -> {
            while (!done) {
                if (!cpu.hasEvents()) {
                    cpu.awaitEvent();
                }
                int vector = take(cpu);
                if (vector >= 0) {
                    service(cpu, vector, 0);
                }
            }
        });
    }

    /** An interrupt handler running with interrupts enabled until its EOI. */
    private void service(LocalApic cpu, int vector, int depth) {
        Source s = byVector[vector];
        if (s == null) {
            problems.add("unexpected vector " + Integer.toHexString(vector));
        } else {
            if (!s.outstanding.get()) {
                problems.add("vector " + Integer.toHexString(vector) + " taken twice");
            }
            s.handled.incrementAndGet();
            if (s.levelLine != null) {
                s.levelLine.set(false); // the driver quiets its device
            }
            s.outstanding.set(false); // the device may interrupt again from here on
        }
        int nested = take(cpu);
        if (nested >= 0) {
            if ((nested & 0xF0) <= (vector & 0xF0)) {
                problems.add("vector " + Integer.toHexString(nested) + " nested in " + Integer.toHexString(vector));
            }
            service(cpu, nested, depth + 1);
        }
        eoi(cpu);
    }
}

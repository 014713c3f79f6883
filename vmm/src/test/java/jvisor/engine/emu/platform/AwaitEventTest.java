package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.TestPlatform.enable;
import static jvisor.engine.emu.platform.TestPlatform.eoi;
import static jvisor.engine.emu.platform.TestPlatform.ipi;
import static jvisor.engine.emu.platform.TestPlatform.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A halted processor's wait: woken by interrupts posted from other threads and by wake(), and
 * never losing one posted between its last check and its wait. Timeouts here only turn a hang
 * into a failure; nothing asserts how long anything takes.
 */
class AwaitEventTest {
    private static final long HANG_MILLIS = 20_000;

    private final TestPlatform t = new TestPlatform(2);
    private final LocalApic cpu = t.apic(0);
    private final LocalApic other = t.apic(1);

    @BeforeEach
    void enableApics() {
        enable(cpu);
        enable(other);
    }

    private static Thread waiter(Runnable wait) {
        Thread thread = Thread.ofPlatform().daemon().name("halted-cpu").start(wait);
        while (thread.getState() != Thread.State.WAITING) {
            if (!thread.isAlive()) {
                fail("the processor thread did not wait");
            }
            Thread.onSpinWait();
        }
        return thread;
    }

    private static void assertEnds(Thread thread) throws InterruptedException {
        thread.join(HANG_MILLIS);
        assertFalse(thread.isAlive(), "the waiting processor was not woken");
    }

    @Test
    void returnsAtOnceWhenSomethingIsPending() {
        ipi(other, 0, 0x40);
        cpu.awaitEvent();
        assertEquals(0x40, take(cpu));
    }

    @Test
    void anInterruptFromAnotherProcessorEndsTheWait() throws InterruptedException {
        Thread halted = waiter(cpu::awaitEvent);
        ipi(other, 0, 0x41);
        assertEnds(halted);
        assertEquals(0x41, take(cpu));
    }

    @Test
    void anInterruptFromADeviceEndsTheWait() throws InterruptedException {
        t.route(16, 0x42);
        Thread halted = waiter(cpu::awaitEvent);
        t.platform.irqLine(16).pulse();
        assertEnds(halted);
        assertEquals(0x42, take(cpu));
    }

    @Test
    void theApicTimerEndsTheWait() throws InterruptedException {
        TestPlatform.write(cpu, ApicRegisters.REG_TIMER_DIVIDE, 0xB); // divide by 1
        TestPlatform.write(cpu, ApicRegisters.REG_LVT_TIMER, 0xEC);
        TestPlatform.write(cpu, ApicRegisters.REG_TIMER_INITIAL, 1000);
        Thread halted = waiter(cpu::awaitEvent);
        t.advance(1000); // the "timer thread" fires from this thread
        assertEnds(halted);
        assertEquals(0xEC, take(cpu));
    }

    @Test
    void wakeEndsTheWaitWithoutAnEvent() throws InterruptedException {
        Thread halted = waiter(cpu::awaitEvent);
        cpu.wake();
        assertEnds(halted);
        assertFalse(cpu.hasEvents());
    }

    @Test
    void aWakeBeforeTheWaitIsKeptForIt() {
        cpu.wake();
        cpu.awaitEvent(); // returns: the kick came between the processor's check and its wait
        Thread halted = waiter(cpu::awaitEvent);
        cpu.wake();
        assertDoesEnd(halted);
    }

    private static void assertDoesEnd(Thread thread) {
        try {
            assertEnds(thread);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void withInterruptsDisabledOnlyNonMaskableEventsEndTheWait() throws InterruptedException {
        ipi(other, 0, 0x43);
        Thread halted = waiter(() -> cpu.awaitEvent(false));
        ipi(other, 0, 0x44);
        assertEquals(Thread.State.WAITING, halted.getState(), "cli; hlt does not wake for a maskable interrupt");
        ipi(other, 0, 0x400); // NMI
        assertEnds(halted);
        assertTrue(cpu.takeNmi());
    }

    @Test
    void anInterruptedThreadStopsWaitingAndKeepsItsInterruptStatus() throws InterruptedException {
        AtomicInteger interrupted = new AtomicInteger();
        Thread halted = waiter(() -> {
            cpu.awaitEvent();
            interrupted.set(Thread.currentThread().isInterrupted() ? 1 : 2);
        });
        halted.interrupt();
        assertEnds(halted);
        assertEquals(1, interrupted.get());
    }

    @Test
    void noWakeUpIsLostAcrossManyHandOffs() throws InterruptedException {
        int rounds = 20_000;
        AtomicInteger handled = new AtomicInteger();
        Thread processor = Thread.ofPlatform().daemon().name("cpu0").start(() -> {
            while (handled.get() < rounds) {
                if (!cpu.hasEvents()) {
                    cpu.awaitEvent();
                }
                if (take(cpu) >= 0) {
                    eoi(cpu);
                    handled.incrementAndGet();
                }
            }
        });
        for (int i = 0; i < rounds; i++) {
            ipi(other, 0, 0x50 + (i & 0x3F));
            while (handled.get() <= i) {
                if (!processor.isAlive()) {
                    fail("processor thread died");
                }
                Thread.onSpinWait();
            }
        }
        assertEnds(processor);
        assertEquals(rounds, handled.get());
    }
}

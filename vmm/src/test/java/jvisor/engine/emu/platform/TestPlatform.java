package jvisor.engine.emu.platform;

import java.util.concurrent.atomic.AtomicLong;
import jvisor.bus.MmioBus;
import jvisor.bus.MmioHandler;
import jvisor.bus.PcLayout;
import jvisor.bus.PortBus;
import jvisor.engine.emu.LocalInterrupts;
import jvisor.engine.emu.Tsc;

/**
 * A platform on a hand-driven clock, without the timer thread, and the accesses a guest driver
 * makes to it: port I/O, IOAPIC and local APIC registers, and the processor's interrupt cycle.
 */
final class TestPlatform {
    final AtomicLong clock = new AtomicLong(5_000_000_000L);
    final Tsc tsc = new Tsc(clock::get);
    final PortBus ports = new PortBus();
    final MmioBus mmio = new MmioBus(new MmioHandler() {
        @Override
        public long read(long offset, int size) {
            return MmioHandler.floating(size);
        }

        @Override
        public void write(long offset, int size, long value) {
        }
    });
    final PcPlatform platform;

    TestPlatform(int cpus) {
        platform = PcPlatform.build(cpus, ports, mmio, tsc);
    }

    LocalApic apic(int cpu) {
        return platform.localApic(cpu);
    }

    /** Every processor's local APIC, each software-enabled. */
    LocalApic[] enabledApics(int cpus) {
        LocalApic[] apics = new LocalApic[cpus];
        for (int i = 0; i < cpus; i++) {
            apics[i] = apic(i);
            enable(apics[i]);
        }
        return apics;
    }

    /** Moves the clock on by {@code nanos} and fires whatever timers are due. */
    void advance(long nanos) {
        clock.addAndGet(nanos);
        platform.timers().fireDue();
    }

    void outb(int port, int value) {
        ports.write(port, 1, value);
    }

    int inb(int port) {
        return ports.read(port, 1);
    }

    void ioapicWrite(int register, int value) {
        mmio.write(PcLayout.IOAPIC_BASE, 4, register);
        mmio.write(PcLayout.IOAPIC_BASE + 0x10, 4, value & 0xFFFF_FFFFL);
    }

    int ioapicRead(int register) {
        mmio.write(PcLayout.IOAPIC_BASE, 4, register);
        return (int) mmio.read(PcLayout.IOAPIC_BASE + 0x10, 4);
    }

    /** Redirection entry for {@code pin}: the high half (destination) first, as Linux writes it. */
    void route(int pin, long entry) {
        ioapicWrite(0x11 + 2 * pin, (int) (entry >>> 32));
        ioapicWrite(0x10 + 2 * pin, (int) entry);
    }

    static void write(LocalApic apic, int register, int value) {
        apic.mmioWrite(register, 4, value & 0xFFFF_FFFFL);
    }

    static int read(LocalApic apic, int register) {
        return (int) apic.mmioRead(register, 4);
    }

    /** Software-enables the APIC with spurious vector 0xFF. */
    static void enable(LocalApic apic) {
        write(apic, ApicRegisters.REG_SVR, 0x1FF);
    }

    /** What the processor does at an instruction boundary with IF = 1: takes a vector, or -1. */
    static int take(LocalInterrupts apic) {
        int vector = apic.pendingInterrupt();
        if (vector >= 0) {
            apic.acknowledge(vector);
        }
        return vector;
    }

    static void eoi(LocalApic apic) {
        write(apic, ApicRegisters.REG_EOI, 0);
    }

    /** The vector each APIC delivers next (-1 for none), each one taken and ended. */
    static int[] takeFromEach(LocalApic[] apics) {
        int[] taken = new int[apics.length];
        for (int i = 0; i < apics.length; i++) {
            taken[i] = take(apics[i]);
            if (taken[i] >= 0) {
                eoi(apics[i]);
            }
        }
        return taken;
    }

    /** Sends an IPI: the destination into ICR high, then the command into ICR low. */
    static void ipi(LocalApic from, int destination, int command) {
        write(from, ApicRegisters.REG_ICR_HIGH, destination << 24);
        write(from, ApicRegisters.REG_ICR_LOW, command);
    }

    /** Whether bit {@code vector} is set in the 256-bit register bank starting at {@code base}. */
    static boolean bit(LocalApic apic, int base, int vector) {
        return (read(apic, base + 0x10 * (vector >>> 5)) & (1 << (vector & 31))) != 0;
    }
}

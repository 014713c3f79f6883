package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import jvisor.bus.PcLayout;

import static jvisor.engine.kvm.KvmConst.KVM_IRQCHIP_IOAPIC;
import static jvisor.engine.kvm.KvmConst.KVM_IRQCHIP_PIC_MASTER;
import static jvisor.engine.kvm.KvmConst.KVM_IRQCHIP_PIC_SLAVE;
import static jvisor.engine.kvm.KvmConst.KVM_IRQ_ROUTING_IRQCHIP;

/**
 * Where each KVM interrupt line (KVM's "GSI", the number KVM_IRQ_LINE and the in-kernel PIT use)
 * goes: ISA IRQ n reaches PIC pin n and IOAPIC pin n, except that IRQ 0, the PIT's, reaches IOAPIC
 * pin 2 as on a real PC and as the MADT's interrupt source override says
 * ({@link PcLayout#GSI_PIT}); PIC pin 2 is the cascade and has no line. Lines 16-23 reach only the
 * IOAPIC. KVM's default table wires IRQ 0 to IOAPIC pin 0 instead, hence this table.
 */
final class IrqRouting {
    private IrqRouting() { }

    /** One route: KVM line {@code gsi} drives {@code pin} of {@code chip}. */
    record Route(int gsi, int chip, int pin) { }

    static final int ISA_IRQS = 16;
    static final int PIC_CASCADE = 2;

    static List<Route> table() {
        List<Route> routes = new ArrayList<>();
        for (int irq = 0; irq < ISA_IRQS; irq++) {
            if (irq != PIC_CASCADE) {
                routes.add(new Route(irq, irq < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, irq % 8));
            }
        }
        for (int gsi = 0; gsi < PcLayout.IOAPIC_PINS; gsi++) {
            if (gsi == 0) {
                routes.add(new Route(0, KVM_IRQCHIP_IOAPIC, PcLayout.GSI_PIT));
            } else if (gsi != PcLayout.GSI_PIT) {
                routes.add(new Route(gsi, KVM_IRQCHIP_IOAPIC, gsi));
            }
        }
        return routes;
    }

    /**
     * The KVM line for jvisor's interrupt line {@code gsi} (an IOAPIC input; ISA IRQs 0-15 are
     * lines 0-15). The timer is ISA IRQ 0 at IOAPIC pin 2, so both 0 and 2 name KVM's line 0.
     */
    static int kvmLine(int gsi) {
        if (gsi < 0 || gsi >= PcLayout.IOAPIC_PINS) {
            throw new IllegalArgumentException("no interrupt line " + gsi + " (IOAPIC pins are 0-"
                    + (PcLayout.IOAPIC_PINS - 1) + ")");
        }
        return gsi == PcLayout.GSI_PIT ? PcLayout.IRQ_PIT : gsi;
    }

    /** KVM_SET_GSI_ROUTING with {@link #table()}; after KVM_CREATE_IRQCHIP, which installs KVM's default. */
    static void install(KvmFd vm) {
        List<Route> routes = table();
        try (Arena arena = Arena.ofConfined()) {
            long entrySize = KvmStructs.IRQ_ROUTING_ENTRY.byteSize();
            MemorySegment table = arena.allocate(KvmStructs.ROUTING_ENTRIES + routes.size() * entrySize, 8);
            KvmStructs.ROUTING_NR.set(table, 0L, routes.size());
            for (int i = 0; i < routes.size(); i++) {
                Route r = routes.get(i);
                long at = KvmStructs.ROUTING_ENTRIES + i * entrySize;
                KvmStructs.ROUTE_GSI.set(table, at, r.gsi());
                KvmStructs.ROUTE_TYPE.set(table, at, KVM_IRQ_ROUTING_IRQCHIP);
                KvmStructs.ROUTE_IRQCHIP.set(table, at, r.chip());
                KvmStructs.ROUTE_PIN.set(table, at, r.pin());
            }
            vm.ioctl(KvmIoctl.KVM_SET_GSI_ROUTING, table);
        }
    }
}

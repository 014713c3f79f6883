package jvisor.guest.tables;

import jvisor.bus.PcLayout;
import jvisor.devices.pci.PciInterrupts;

/**
 * The Intel MultiProcessor Specification 1.4 tables: the floating pointer guests scan for and
 * the configuration table it points to, with the processors, the ISA bus, the IOAPIC, ISA IRQs
 * 0-15 routed as the MADT routes them (IRQ 0 at pin 2, IRQ 2 unused) and the local interrupts
 * (ExtINT on LINT0, NMI on LINT1), and PCI bus 0's INTx inputs as the DSDT's _PRT routes them.
 * The same machine as the ACPI tables, for guests without ACPI.
 */
public final class MpTable {
    public static final String FLOATING_SIGNATURE = "_MP_";
    public static final String CONFIG_SIGNATURE = "PCMP";
    public static final int SPEC_REVISION = 4;
    public static final int FLOATING_LENGTH = 16;
    public static final int CONFIG_HEADER_LENGTH = 44;

    public static final int ENTRY_PROCESSOR = 0;
    public static final int ENTRY_BUS = 1;
    public static final int ENTRY_IO_APIC = 2;
    public static final int ENTRY_IO_INTERRUPT = 3;
    public static final int ENTRY_LOCAL_INTERRUPT = 4;
    public static final int CPU_ENABLED = 1;
    public static final int CPU_BOOTSTRAP = 2;
    public static final int INT_TYPE_INT = 0;
    public static final int INT_TYPE_NMI = 1;
    public static final int INT_TYPE_EXTINT = 3;
    /** Destination local APIC ID meaning every processor. */
    public static final int ALL_LOCAL_APICS = 0xFF;

    /** An integrated xAPIC and an 82093AA-style IOAPIC, as KVM's in-kernel ones report. */
    public static final int LOCAL_APIC_VERSION = 0x14;
    public static final int IO_APIC_VERSION = 0x11;
    /** Family 6 in the CPU signature; FPU and APIC in the feature flags. */
    private static final int CPU_SIGNATURE = 0x600;
    private static final int CPU_FEATURES = 0x201;
    private static final int ISA_BUS = 0;
    private static final int PCI_BUS = 1;
    /** MPS interrupt flags: active low (polarity 3), level-triggered (trigger 3), as PCI INTx is. */
    public static final int INTI_ACTIVE_LOW_LEVEL = 0x3 | (0x3 << 2);

    private MpTable() { }

    public static byte[] floatingPointer(long configTable) {
        TableWriter w = new TableWriter();
        w.ascii(FLOATING_SIGNATURE, 4).u32(configTable).u8(FLOATING_LENGTH / 16).u8(SPEC_REVISION).u8(0);
        // Feature byte 1 = 0: a configuration table exists. Byte 2 = 0: virtual-wire mode, no IMCR.
        w.u8(0).u8(0).zeros(3);
        byte[] b = w.toArray();
        b[10] = (byte) TableWriter.checksum(b, 0, b.length);
        return b;
    }

    public static byte[] configuration(int cpus) {
        TableWriter w = new TableWriter();
        w.ascii(CONFIG_SIGNATURE, 4).u16(0).u8(SPEC_REVISION).u8(0)
                .ascii(AcpiTable.OEM_ID, 8).ascii("PC", 12).u32(0).u16(0).u16(0)
                .u32(PcLayout.LAPIC_BASE).u16(0).u8(0).u8(0);
        int entries = 0;
        for (int i = 0; i < cpus; i++) {
            w.u8(ENTRY_PROCESSOR).u8(i).u8(LOCAL_APIC_VERSION).u8(CPU_ENABLED | (i == 0 ? CPU_BOOTSTRAP : 0))
                    .u32(CPU_SIGNATURE).u32(CPU_FEATURES).zeros(8);
            entries++;
        }
        w.u8(ENTRY_BUS).u8(ISA_BUS).ascii("ISA", 6);
        w.u8(ENTRY_BUS).u8(PCI_BUS).ascii("PCI", 6);
        entries++;
        int ioapic = PcLayout.ioapicId(cpus);
        w.u8(ENTRY_IO_APIC).u8(ioapic).u8(IO_APIC_VERSION).u8(1).u32(PcLayout.IOAPIC_BASE);
        entries += 2;
        for (int irq = 0; irq < 16; irq++) {
            if (irq == 2) {
                continue;                                   // the PIT's override took pin 2
            }
            int pin = irq == PcLayout.IRQ_PIT ? PcLayout.GSI_PIT : irq;
            int flags = irq == PcLayout.IRQ_SCI ? Madt.INTI_ACTIVE_HIGH_LEVEL : Madt.INTI_CONFORMING;
            w.u8(ENTRY_IO_INTERRUPT).u8(INT_TYPE_INT).u16(flags).u8(ISA_BUS).u8(irq).u8(ioapic).u8(pin);
            entries++;
        }
        for (int slot = 1; slot < 32; slot++) {
            for (int pin = 1; pin <= 4; pin++) {
                // Source bus IRQ for PCI: device number in bits 6-2, pin (INTA = 0) in bits 1-0.
                w.u8(ENTRY_IO_INTERRUPT).u8(INT_TYPE_INT).u16(INTI_ACTIVE_LOW_LEVEL).u8(PCI_BUS)
                        .u8(slot << 2 | pin - 1).u8(ioapic).u8(PciInterrupts.gsi(slot, pin));
                entries++;
            }
        }
        w.u8(ENTRY_LOCAL_INTERRUPT).u8(INT_TYPE_EXTINT).u16(0).u8(ISA_BUS).u8(0).u8(ALL_LOCAL_APICS).u8(0);
        w.u8(ENTRY_LOCAL_INTERRUPT).u8(INT_TYPE_NMI).u16(0).u8(ISA_BUS).u8(0).u8(ALL_LOCAL_APICS).u8(1);
        entries += 2;
        w.patch16(4, w.size());
        w.patch16(34, entries);
        byte[] b = w.toArray();
        b[7] = (byte) TableWriter.checksum(b, 0, b.length);
        return b;
    }
}

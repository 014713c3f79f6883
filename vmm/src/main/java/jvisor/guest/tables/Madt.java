package jvisor.guest.tables;

import jvisor.bus.PcLayout;

/**
 * The Multiple APIC Description Table ("APIC"): the local APIC address, one enabled processor
 * per vCPU (ACPI processor UID = APIC ID = index), the IOAPIC at GSI 0, the ISA overrides (the
 * PIT's IRQ 0 at pin 2, the SCI level-triggered active-high) and NMI on every LINT1.
 */
public final class Madt {
    public static final String SIGNATURE = "APIC";
    public static final int REVISION = 1;
    public static final int FLAG_PCAT_COMPAT = 1;

    public static final int TYPE_LOCAL_APIC = 0;
    public static final int TYPE_IO_APIC = 1;
    public static final int TYPE_INTERRUPT_OVERRIDE = 2;
    public static final int TYPE_LOCAL_APIC_NMI = 4;
    public static final int LOCAL_APIC_ENABLED = 1;
    /** MPS INTI flags: active high, level-triggered. */
    public static final int INTI_ACTIVE_HIGH_LEVEL = 0x1 | (0x3 << 2);
    /** Conforms to the bus: for ISA, active high and edge-triggered. */
    public static final int INTI_CONFORMING = 0;
    /** A processor UID meaning every processor. */
    public static final int ALL_PROCESSORS = 0xFF;
    public static final int NMI_LINT = 1;
    private static final int ISA_BUS = 0;

    private Madt() { }

    public static byte[] build(int cpus) {
        return AcpiTable.build(SIGNATURE, REVISION, w -> {
            w.u32(PcLayout.LAPIC_BASE).u32(FLAG_PCAT_COMPAT);
            for (int i = 0; i < cpus; i++) {
                w.u8(TYPE_LOCAL_APIC).u8(8).u8(i).u8(i).u32(LOCAL_APIC_ENABLED);
            }
            w.u8(TYPE_IO_APIC).u8(12).u8(PcLayout.ioapicId(cpus)).u8(0).u32(PcLayout.IOAPIC_BASE).u32(0);
            override(w, PcLayout.IRQ_PIT, PcLayout.GSI_PIT, INTI_CONFORMING);
            override(w, PcLayout.IRQ_SCI, PcLayout.IRQ_SCI, INTI_ACTIVE_HIGH_LEVEL);
            w.u8(TYPE_LOCAL_APIC_NMI).u8(6).u8(ALL_PROCESSORS).u16(INTI_CONFORMING).u8(NMI_LINT);
        });
    }

    private static void override(TableWriter w, int irq, int gsi, int flags) {
        w.u8(TYPE_INTERRUPT_OVERRIDE).u8(10).u8(ISA_BUS).u8(irq).u32(gsi).u16(flags);
    }
}

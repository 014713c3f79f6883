package jvisor.engine;

/** Segments, descriptor tables, control registers, EFER and the APIC base (KVM's kvm_sregs). */
public record SystemRegisters(
        Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
        Segment tr, Segment ldt, DescriptorTable gdt, DescriptorTable idt,
        long cr0, long cr2, long cr3, long cr4, long cr8, long efer, long apicBase) {

    public static final long CR0_PE = 1L;
    public static final long CR0_MP = 1L << 1;
    public static final long CR0_EM = 1L << 2;
    public static final long CR0_TS = 1L << 3;
    public static final long CR0_ET = 1L << 4;
    public static final long CR0_NE = 1L << 5;
    public static final long CR0_WP = 1L << 16;
    public static final long CR0_AM = 1L << 18;
    public static final long CR0_NW = 1L << 29;
    public static final long CR0_CD = 1L << 30;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PSE = 1L << 4;
    public static final long CR4_PAE = 1L << 5;
    public static final long CR4_PGE = 1L << 7;
    public static final long CR4_OSFXSR = 1L << 9;
    public static final long CR4_OSXMMEXCPT = 1L << 10;
    public static final long EFER_SCE = 1L;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;
    public static final long EFER_NXE = 1L << 11;
    /** The xAPIC's default physical base, enabled. Bit 8 marks the BSP. */
    public static final long APIC_BASE_DEFAULT = 0xFEE0_0000L | (1L << 11);
    public static final long APIC_BASE_BSP = 1L << 8;

    /** The state after RESET/INIT: real mode at F000:FFF0. */
    public static SystemRegisters reset(boolean bsp) {
        Segment code = new Segment(0xF000, 0xFFFF_0000L, 0xFFFF,
                Segment.TYPE_CODE_RX_ACCESSED | Segment.S | Segment.PRESENT);
        Segment data = Segment.realMode(0, false);
        return new SystemRegisters(code, data, data, data, data, data,
                Segment.resetTaskRegister(), Segment.resetLdt(),
                new DescriptorTable(0, 0xFFFF), new DescriptorTable(0, 0xFFFF),
                CR0_ET | CR0_NW | CR0_CD, 0, 0, 0, 0, 0,
                APIC_BASE_DEFAULT | (bsp ? APIC_BASE_BSP : 0));
    }

    @Override
    public String toString() {
        return String.format(
                "cs  %s%nds  %s%nes  %s%nfs  %s%ngs  %s%nss  %s%ntr  %s%nldt %s%ngdt %s%nidt %s%n"
                + "cr0=%016x cr2=%016x cr3=%016x cr4=%016x cr8=%x%nefer=%x apic_base=%x",
                cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase);
    }
}

package jvisor.engine.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import jvisor.engine.DescriptorTable;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static jvisor.engine.kvm.KvmStructs.handle;

/**
 * {@code kvm_regs} and {@code kvm_sregs} and their conversion to and from the engine-neutral
 * {@link GeneralRegisters} and {@link SystemRegisters}. A {@link Segment} keeps its attributes in
 * the VMX access-rights layout; {@code kvm_segment} spreads the same bits over one byte each.
 */
final class KvmRegs {
    private KvmRegs() { }

    private static final String[] GPR_NAMES = {
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags"};

    static final StructLayout REGS = structLayout(Arrays.stream(GPR_NAMES)
            .map(JAVA_LONG::withName).toArray(MemoryLayout[]::new)).withName("kvm_regs");
    /** One handle per kvm_regs field, in the order of {@link #GPR_NAMES} (which is GeneralRegisters' order). */
    private static final VarHandle[] GPR = Arrays.stream(GPR_NAMES)
            .map(name -> handle(REGS, name)).toArray(VarHandle[]::new);

    static final StructLayout SEGMENT = structLayout(
            JAVA_LONG.withName("base"),
            JAVA_INT.withName("limit"),
            JAVA_SHORT.withName("selector"),
            JAVA_BYTE.withName("type"),
            JAVA_BYTE.withName("present"),
            JAVA_BYTE.withName("dpl"),
            JAVA_BYTE.withName("db"),
            JAVA_BYTE.withName("s"),
            JAVA_BYTE.withName("l"),
            JAVA_BYTE.withName("g"),
            JAVA_BYTE.withName("avl"),
            JAVA_BYTE.withName("unusable"),
            JAVA_BYTE.withName("padding")).withName("kvm_segment");
    private static final VarHandle SEG_BASE = handle(SEGMENT, "base");
    private static final VarHandle SEG_LIMIT = handle(SEGMENT, "limit");
    private static final VarHandle SEG_SELECTOR = handle(SEGMENT, "selector");
    private static final VarHandle SEG_TYPE = handle(SEGMENT, "type");
    private static final VarHandle SEG_PRESENT = handle(SEGMENT, "present");
    private static final VarHandle SEG_DPL = handle(SEGMENT, "dpl");
    private static final VarHandle SEG_DB = handle(SEGMENT, "db");
    private static final VarHandle SEG_S = handle(SEGMENT, "s");
    private static final VarHandle SEG_L = handle(SEGMENT, "l");
    private static final VarHandle SEG_G = handle(SEGMENT, "g");
    private static final VarHandle SEG_AVL = handle(SEGMENT, "avl");
    private static final VarHandle SEG_UNUSABLE = handle(SEGMENT, "unusable");

    static final StructLayout DTABLE = structLayout(
            JAVA_LONG.withName("base"),
            JAVA_SHORT.withName("limit"),
            sequenceLayout(3, JAVA_SHORT).withName("padding")).withName("kvm_dtable");
    private static final VarHandle DT_BASE = handle(DTABLE, "base");
    private static final VarHandle DT_LIMIT = handle(DTABLE, "limit");

    /** KVM_NR_INTERRUPTS (256) bits of pending external interrupt, rounded up to u64s. */
    static final int INTERRUPT_BITMAP_WORDS = 4;

    static final StructLayout SREGS = structLayout(
            SEGMENT.withName("cs"), SEGMENT.withName("ds"), SEGMENT.withName("es"),
            SEGMENT.withName("fs"), SEGMENT.withName("gs"), SEGMENT.withName("ss"),
            SEGMENT.withName("tr"), SEGMENT.withName("ldt"),
            DTABLE.withName("gdt"), DTABLE.withName("idt"),
            JAVA_LONG.withName("cr0"), JAVA_LONG.withName("cr2"), JAVA_LONG.withName("cr3"),
            JAVA_LONG.withName("cr4"), JAVA_LONG.withName("cr8"), JAVA_LONG.withName("efer"),
            JAVA_LONG.withName("apic_base"),
            sequenceLayout(INTERRUPT_BITMAP_WORDS, JAVA_LONG).withName("interrupt_bitmap")).withName("kvm_sregs");
    private static final long CS = offset("cs");
    private static final long DS = offset("ds");
    private static final long ES = offset("es");
    private static final long FS = offset("fs");
    private static final long GS = offset("gs");
    private static final long SS = offset("ss");
    private static final long TR = offset("tr");
    private static final long LDT = offset("ldt");
    private static final long GDT = offset("gdt");
    private static final long IDT = offset("idt");
    private static final VarHandle CR0 = handle(SREGS, "cr0");
    private static final VarHandle CR2 = handle(SREGS, "cr2");
    private static final VarHandle CR3 = handle(SREGS, "cr3");
    private static final VarHandle CR4 = handle(SREGS, "cr4");
    private static final VarHandle CR8 = handle(SREGS, "cr8");
    private static final VarHandle EFER = handle(SREGS, "efer");
    private static final VarHandle APIC_BASE = handle(SREGS, "apic_base");

    /** Every structure here, for the layout test. */
    static final List<StructLayout> ALL = List.of(REGS, SEGMENT, DTABLE, SREGS);

    static GeneralRegisters readRegs(MemorySegment regs) {
        long[] v = new long[GPR.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (long) GPR[i].get(regs, 0L);
        }
        return new GeneralRegisters(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17]);
    }

    static void writeRegs(MemorySegment regs, GeneralRegisters r) {
        long[] v = {r.rax(), r.rbx(), r.rcx(), r.rdx(), r.rsi(), r.rdi(), r.rsp(), r.rbp(),
            r.r8(), r.r9(), r.r10(), r.r11(), r.r12(), r.r13(), r.r14(), r.r15(), r.rip(), r.rflags()};
        for (int i = 0; i < v.length; i++) {
            GPR[i].set(regs, 0L, v[i]);
        }
    }

    static SystemRegisters readSregs(MemorySegment sregs) {
        return new SystemRegisters(
                readSegment(sregs, CS), readSegment(sregs, DS), readSegment(sregs, ES),
                readSegment(sregs, FS), readSegment(sregs, GS), readSegment(sregs, SS),
                readSegment(sregs, TR), readSegment(sregs, LDT),
                readTable(sregs, GDT), readTable(sregs, IDT),
                (long) CR0.get(sregs, 0L), (long) CR2.get(sregs, 0L), (long) CR3.get(sregs, 0L),
                (long) CR4.get(sregs, 0L), (long) CR8.get(sregs, 0L), (long) EFER.get(sregs, 0L),
                (long) APIC_BASE.get(sregs, 0L));
    }

    /**
     * Writes everything {@link SystemRegisters} holds. The interrupt bitmap (an external interrupt
     * KVM has not injected yet) is left as it is, so a read-modify-write keeps a pending event.
     */
    static void writeSregs(MemorySegment sregs, SystemRegisters s) {
        writeSegment(sregs, CS, s.cs());
        writeSegment(sregs, DS, s.ds());
        writeSegment(sregs, ES, s.es());
        writeSegment(sregs, FS, s.fs());
        writeSegment(sregs, GS, s.gs());
        writeSegment(sregs, SS, s.ss());
        writeSegment(sregs, TR, s.tr());
        writeSegment(sregs, LDT, s.ldt());
        writeTable(sregs, GDT, s.gdt());
        writeTable(sregs, IDT, s.idt());
        CR0.set(sregs, 0L, s.cr0());
        CR2.set(sregs, 0L, s.cr2());
        CR3.set(sregs, 0L, s.cr3());
        CR4.set(sregs, 0L, s.cr4());
        CR8.set(sregs, 0L, s.cr8());
        EFER.set(sregs, 0L, s.efer());
        APIC_BASE.set(sregs, 0L, s.apicBase());
    }

    static Segment readSegment(MemorySegment struct, long offset) {
        int access = ((byte) SEG_TYPE.get(struct, offset) & Segment.TYPE_MASK)
                | flag(struct, offset, SEG_S, Segment.S)
                | ((byte) SEG_DPL.get(struct, offset) & 3) << Segment.DPL_SHIFT
                | flag(struct, offset, SEG_PRESENT, Segment.PRESENT)
                | flag(struct, offset, SEG_AVL, Segment.AVL)
                | flag(struct, offset, SEG_L, Segment.LONG)
                | flag(struct, offset, SEG_DB, Segment.DB)
                | flag(struct, offset, SEG_G, Segment.GRANULARITY)
                | flag(struct, offset, SEG_UNUSABLE, Segment.UNUSABLE);
        return new Segment((short) SEG_SELECTOR.get(struct, offset) & 0xFFFF,
                (long) SEG_BASE.get(struct, offset), (int) SEG_LIMIT.get(struct, offset), access);
    }

    static void writeSegment(MemorySegment struct, long offset, Segment seg) {
        int a = seg.access();
        SEG_BASE.set(struct, offset, seg.base());
        SEG_LIMIT.set(struct, offset, seg.limit());
        SEG_SELECTOR.set(struct, offset, (short) seg.selector());
        SEG_TYPE.set(struct, offset, (byte) (a & Segment.TYPE_MASK));
        SEG_S.set(struct, offset, bit(a, Segment.S));
        SEG_DPL.set(struct, offset, (byte) ((a >>> Segment.DPL_SHIFT) & 3));
        SEG_PRESENT.set(struct, offset, bit(a, Segment.PRESENT));
        SEG_AVL.set(struct, offset, bit(a, Segment.AVL));
        SEG_L.set(struct, offset, bit(a, Segment.LONG));
        SEG_DB.set(struct, offset, bit(a, Segment.DB));
        SEG_G.set(struct, offset, bit(a, Segment.GRANULARITY));
        SEG_UNUSABLE.set(struct, offset, bit(a, Segment.UNUSABLE));
    }

    private static DescriptorTable readTable(MemorySegment struct, long offset) {
        return new DescriptorTable((long) DT_BASE.get(struct, offset), (short) DT_LIMIT.get(struct, offset) & 0xFFFF);
    }

    private static void writeTable(MemorySegment struct, long offset, DescriptorTable table) {
        DT_BASE.set(struct, offset, table.base());
        DT_LIMIT.set(struct, offset, (short) table.limit());
    }

    private static int flag(MemorySegment struct, long offset, VarHandle field, int mask) {
        return (byte) field.get(struct, offset) != 0 ? mask : 0;
    }

    private static byte bit(int access, int mask) {
        return (byte) ((access & mask) != 0 ? 1 : 0);
    }

    private static long offset(String field) {
        return SREGS.byteOffset(groupElement(field));
    }
}

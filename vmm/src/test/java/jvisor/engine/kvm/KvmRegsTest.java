package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jvisor.engine.CpuState;
import jvisor.engine.DescriptorTable;
import jvisor.engine.GeneralRegisters;
import jvisor.engine.Segment;
import jvisor.engine.SystemRegisters;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** CpuState to kvm_regs/kvm_sregs and back, and what the kvm_segment bytes of a known segment are. */
class KvmRegsTest {
    /** The access-rights bits kvm_segment has a field for (type, S, DPL, P, AVL, L, D/B, G, unusable). */
    private static final int MAPPED_ACCESS_BITS = 0x1F0FF;

    @Property(tries = 300)
    void cpuStateSurvivesKvmStructs(@ForAll("states") CpuState state) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment regs = arena.allocate(KvmRegs.REGS);
            MemorySegment sregs = arena.allocate(KvmRegs.SREGS);
            KvmRegs.writeRegs(regs, state.regs());
            KvmRegs.writeSregs(sregs, state.sregs());
            assertEquals(state, new CpuState(KvmRegs.readRegs(regs), KvmRegs.readSregs(sregs)));
        }
    }

    @Test
    void flatCodeSegmentSpreadsItsAccessRightsOverKvmSegmentFields() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(KvmRegs.SEGMENT);
            KvmRegs.writeSegment(seg, 0, Segment.flatCode32(0x08));
            assertEquals(0L, field8(seg, "base", ValueLayout.JAVA_LONG));
            assertEquals(0xFFFF_FFFFL, field8(seg, "limit", ValueLayout.JAVA_INT) & 0xFFFF_FFFFL);
            assertEquals(0x08L, field8(seg, "selector", ValueLayout.JAVA_SHORT));
            assertEquals(0xBL, field8(seg, "type", ValueLayout.JAVA_BYTE));
            assertEquals(1L, field8(seg, "present", ValueLayout.JAVA_BYTE));
            assertEquals(0L, field8(seg, "dpl", ValueLayout.JAVA_BYTE));
            assertEquals(1L, field8(seg, "db", ValueLayout.JAVA_BYTE));
            assertEquals(1L, field8(seg, "s", ValueLayout.JAVA_BYTE));
            assertEquals(0L, field8(seg, "l", ValueLayout.JAVA_BYTE));
            assertEquals(1L, field8(seg, "g", ValueLayout.JAVA_BYTE));
            assertEquals(0L, field8(seg, "avl", ValueLayout.JAVA_BYTE));
            assertEquals(0L, field8(seg, "unusable", ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void userDataSegmentKeepsItsDplAndUnusableFlag() {
        Segment user = new Segment(0x2B, 0x1000, 0xFFFFF,
                Segment.TYPE_DATA_RW_ACCESSED | Segment.S | (3 << Segment.DPL_SHIFT) | Segment.UNUSABLE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(KvmRegs.SEGMENT);
            KvmRegs.writeSegment(seg, 0, user);
            assertEquals(3L, field8(seg, "dpl", ValueLayout.JAVA_BYTE));
            assertEquals(1L, field8(seg, "unusable", ValueLayout.JAVA_BYTE));
            assertEquals(0L, field8(seg, "present", ValueLayout.JAVA_BYTE));
            assertEquals(user, KvmRegs.readSegment(seg, 0));
        }
    }

    @Test
    void writingSregsLeavesAPendingInterruptAlone() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sregs = arena.allocate(KvmRegs.SREGS);
            long bitmap = KvmRegs.SREGS.byteOffset(groupElement("interrupt_bitmap"));
            sregs.set(ValueLayout.JAVA_LONG, bitmap + 8, 1L << 3); // vector 67 pending
            KvmRegs.writeSregs(sregs, SystemRegisters.reset(true));
            assertEquals(1L << 3, sregs.get(ValueLayout.JAVA_LONG, bitmap + 8));
        }
    }

    @Test
    void generalRegistersLandInKvmRegsOrder() {
        GeneralRegisters r = new GeneralRegisters(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x7C00, 0x202);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment regs = arena.allocate(KvmRegs.REGS);
            KvmRegs.writeRegs(regs, r);
            assertEquals(3L, regs.get(ValueLayout.JAVA_LONG, KvmRegs.REGS.byteOffset(groupElement("rcx"))));
            assertEquals(7L, regs.get(ValueLayout.JAVA_LONG, KvmRegs.REGS.byteOffset(groupElement("rsp"))));
            assertEquals(0x7C00L, regs.get(ValueLayout.JAVA_LONG, KvmRegs.REGS.byteOffset(groupElement("rip"))));
            assertEquals(0x202L, regs.get(ValueLayout.JAVA_LONG, KvmRegs.REGS.byteOffset(groupElement("rflags"))));
        }
    }

    private static long field8(MemorySegment seg, String name, ValueLayout layout) {
        long at = KvmRegs.SEGMENT.byteOffset(groupElement(name));
        return switch (layout) {
            case ValueLayout.OfLong l -> seg.get(l, at);
            case ValueLayout.OfInt i -> seg.get(i, at);
            case ValueLayout.OfShort s -> seg.get(s, at) & 0xFFFF;
            case ValueLayout.OfByte b -> seg.get(b, at) & 0xFF;
            default -> throw new AssertionError(layout);
        };
    }

    @Provide
    Arbitrary<CpuState> states() {
        Arbitrary<Long> any = Arbitraries.longs();
        Arbitrary<GeneralRegisters> regs = any.array(long[].class).ofSize(18).map(v -> new GeneralRegisters(
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15],
                v[16], v[17]));
        Arbitrary<Segment> segment = Combinators.combine(
                Arbitraries.integers().between(0, 0xFFFF), any, Arbitraries.integers(),
                Arbitraries.integers().map(a -> a & MAPPED_ACCESS_BITS)).as(Segment::new);
        Arbitrary<DescriptorTable> table = Combinators.combine(any, Arbitraries.integers().between(0, 0xFFFF))
                .as(DescriptorTable::new);
        Arbitrary<Segment[]> segments = segment.array(Segment[].class).ofSize(8);
        Arbitrary<long[]> controls = any.array(long[].class).ofSize(7);
        Arbitrary<SystemRegisters> sregs = Combinators.combine(segments, table, table, controls).as((s, gdt, idt, c) ->
                new SystemRegisters(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], gdt, idt,
                        c[0], c[1], c[2], c[3], c[4], c[5], c[6]));
        return Combinators.combine(regs, sregs).as(CpuState::new);
    }
}

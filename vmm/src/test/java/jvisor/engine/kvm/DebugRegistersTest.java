package jvisor.engine.kvm;

import java.util.List;
import jvisor.engine.DebugRegisters;
import jvisor.engine.DebugStop;
import jvisor.engine.GuestDebug;
import jvisor.engine.GuestDebug.Access;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** DR7's encoding (Intel SDM vol. 3, figure 18-1), watchpoints split into aligned pieces, and DR6's decoding. */
class DebugRegistersTest {
    @Test
    void dr7EnablesEachRegisterWithItsKindAndLength() {
        assertEquals(0x1L, DebugRegisters.enable(0, DebugRegisters.RW_EXECUTE, 1));
        // DR1, write, 4 bytes: L1 = bit 2, R/W1 = 01 at bits 20-21, LEN1 = 11 at bits 22-23.
        assertEquals((1L << 2) | (0b01L << 20) | (0b11L << 22), DebugRegisters.enable(1, DebugRegisters.RW_WRITE, 4));
        // DR3, read or write, 8 bytes: L3 = bit 6, R/W3 = 11 at 28-29, LEN3 = 10 at 30-31.
        assertEquals((1L << 6) | (0b11L << 28) | (0b10L << 30), DebugRegisters.enable(3, DebugRegisters.RW_ACCESS, 8));
        assertEquals((1L << 4) | (0b01L << 24) | (0b01L << 26), DebugRegisters.enable(2, DebugRegisters.RW_WRITE, 2));
        assertThrows(IllegalArgumentException.class, () -> DebugRegisters.enable(4, DebugRegisters.RW_WRITE, 1));
        assertThrows(IllegalArgumentException.class, () -> DebugRegisters.enable(0, DebugRegisters.RW_WRITE, 3));
        assertThrows(IllegalArgumentException.class, () -> DebugRegisters.enable(0, DebugRegisters.RW_EXECUTE, 4));
    }

    @Test
    void aRangeBecomesNaturallyAlignedPiecesOfAtMostEightBytes() {
        assertArrayEquals(new long[] {0x1000, 4}, GuestDebug.pieces(0x1000, 4).get(0));
        assertEquals(1, GuestDebug.pieces(0x1000, 8).size());
        List<long[]> p = GuestDebug.pieces(0x1fff, 4);
        assertEquals(3, p.size());
        assertArrayEquals(new long[] {0x1fff, 1}, p.get(0));
        assertArrayEquals(new long[] {0x2000, 2}, p.get(1));
        assertArrayEquals(new long[] {0x2002, 1}, p.get(2));
        assertEquals(2, GuestDebug.pieces(0x1000, 16).size());
        assertEquals(2 + 3, new GuestDebug(false, new long[] {1, 2},
                List.of(new GuestDebug.Watchpoint(0x1fff, 4, Access.WRITE))).addressRegisters());
    }

    @Test
    void dr6SaysWhichRegisterFiredOrThatAStepEnded() {
        DebugStop bp = new DebugStop(DebugStop.Cause.BREAKPOINT, 0x1007, null);
        DebugStop watch = new DebugStop(DebugStop.Cause.WATCHPOINT, 0x2000, Access.WRITE);
        DebugStop[] slots = {bp, watch, null, null};
        long active = 0xFFFF0FF0L; // DR6's bits that read as 1
        assertEquals(watch, KvmCpu.decodeDebugExit(slots, 1, active | 0b10, 0x1005));
        assertEquals(bp, KvmCpu.decodeDebugExit(slots, 1, active | 0b01, 0x1007));
        assertEquals(DebugStop.step(), KvmCpu.decodeDebugExit(slots, 1, active | DebugRegisters.DR6_BS, 0x1002));
        // A register that is not ours (the guest's own DR2) does not count; BS does.
        assertEquals(DebugStop.step(), KvmCpu.decodeDebugExit(slots, 1, active | 0b100 | DebugRegisters.DR6_BS, 0x1002));
        assertEquals(DebugStop.Cause.BREAKPOINT, KvmCpu.decodeDebugExit(slots, 3, active, 0x1234).cause());
        assertNull(KvmCpu.decodeDebugExit(slots, 1, active, 0x1234).access());
    }
}

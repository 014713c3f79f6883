package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.REG_SVR;
import static jvisor.engine.emu.platform.TestPlatform.takeFromEach;
import static jvisor.engine.emu.platform.TestPlatform.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** KVM's paravirtual IPI (KVM_HC_SEND_IPI) between the local APICs of a four-processor platform. */
class PvSendIpiTest {
    private static final long KVM_EINVAL = 22;

    private final TestPlatform t = new TestPlatform(4);
    private final LocalApic[] cpus = t.enabledApics(4);

    @Test
    void bitmapBitsAreApicIdsFromTheFirstOne() {
        assertEquals(2, cpus[0].sendIpis(0b1010, 0, 0, 0x41, 64), "delivered to APIC IDs 1 and 3");
        assertArrayEquals(new int[] {-1, 0x41, -1, 0x41}, takeFromEach(cpus));
        assertEquals(2, cpus[3].sendIpis(0b11, 0, 2, 0x42, 64), "IDs 2 and 3");
        assertArrayEquals(new int[] {-1, -1, 0x42, 0x42}, takeFromEach(cpus));
        assertEquals(1, cpus[1].sendIpis(0b100_0001, 0, 0, 0x43, 64), "ID 6 does not exist: only ID 0 counts");
        assertArrayEquals(new int[] {0x43, -1, -1, -1}, takeFromEach(cpus));
    }

    @Test
    void theHighBitmapStartsOneClusterLaterIn32Bits() {
        // the high half starts at first + 64 (32 for a 32-bit caller), computed in 32 bits
        assertEquals(1, cpus[0].sendIpis(0, 0b10, 0xFFFF_FFC0L, 0x44, 64));
        assertArrayEquals(new int[] {-1, 0x44, -1, -1}, takeFromEach(cpus));
        assertEquals(1, cpus[0].sendIpis(0, 0b100, 0xFFFF_FFE0L, 0x45, 32));
        assertArrayEquals(new int[] {-1, -1, 0x45, -1}, takeFromEach(cpus));
        // kvm-unit-tests' probe: every bit from ID 0xFFFFFFFF on, nobody there
        assertEquals(0, cpus[0].sendIpis(0xFFFF_FFFFL, 0, 0xFFFF_FFFFL, 0, 64));
    }

    @Test
    void logicalDestinationsAndShorthandsAreRefused() {
        assertEquals(-KVM_EINVAL, cpus[0].sendIpis(0b10, 0, 0, 0x800 | 0x41, 64));
        assertEquals(-KVM_EINVAL, cpus[0].sendIpis(0b10, 0, 0, 0x4_0000 | 0x41, 64));
        assertArrayEquals(new int[] {-1, -1, -1, -1}, takeFromEach(cpus));
    }

    @Test
    void nmiAndDisabledTargets() {
        assertEquals(1, cpus[0].sendIpis(0b100, 0, 0, 0x400, 64));
        assertTrue(cpus[2].takeNmi());
        write(cpus[3], REG_SVR, 0xFF); // software-disabled: no fixed interrupts, NMIs still
        assertEquals(0, cpus[0].sendIpis(0b1000, 0, 0, 0x46, 64));
        assertFalse(cpus[3].hasEvents());
        assertEquals(1, cpus[0].sendIpis(0b1000, 0, 0, 0x400, 64));
        assertTrue(cpus[3].takeNmi());
    }
}

package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.REG_DFR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_ESR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_ICR_LOW;
import static jvisor.engine.emu.platform.ApicRegisters.REG_ID;
import static jvisor.engine.emu.platform.ApicRegisters.REG_LDR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_SVR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TPR;
import static jvisor.engine.emu.platform.TestPlatform.ipi;
import static jvisor.engine.emu.platform.TestPlatform.read;
import static jvisor.engine.emu.platform.TestPlatform.takeFromEach;
import static jvisor.engine.emu.platform.TestPlatform.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** IPIs through the ICR between the local APICs of a four-processor platform (SDM 10.6). */
class InterProcessorInterruptTest {
    // ICR low bits as Linux names them
    private static final int DM_NMI = 0x400;
    private static final int DM_INIT = 0x500;
    private static final int DM_STARTUP = 0x600;
    private static final int DM_LOWEST = 0x100;
    private static final int DEST_LOGICAL = 0x800;
    private static final int INT_ASSERT = 0x4000;
    private static final int INT_LEVELTRIG = 0x8000;
    private static final int DEST_SELF = 0x40000;
    private static final int DEST_ALLINC = 0x80000;
    private static final int DEST_ALLBUT = 0xC0000;

    private final TestPlatform t = new TestPlatform(4);
    private final LocalApic[] cpus = t.enabledApics(4);

    @Test
    void fixedPhysicalIpiReachesOnlyTheAddressedProcessor() {
        ipi(cpus[0], 2, 0x41);
        assertEquals(0, read(cpus[0], REG_ICR_LOW) & 0x1000, "delivery status idle after sending");
        assertEquals(0x41, read(cpus[0], REG_ICR_LOW) & 0xFF);
        assertArrayEquals(new int[] {-1, -1, 0x41, -1}, takeFromEach(cpus));
    }

    @Test
    void shorthandsSelfAllAndAllButSelf() {
        ipi(cpus[1], 0, DEST_SELF | 0x42);
        assertArrayEquals(new int[] {-1, 0x42, -1, -1}, takeFromEach(cpus));
        ipi(cpus[1], 0, DEST_ALLINC | 0x43);
        assertArrayEquals(new int[] {0x43, 0x43, 0x43, 0x43}, takeFromEach(cpus));
        ipi(cpus[1], 0, DEST_ALLBUT | 0x44);
        assertArrayEquals(new int[] {0x44, -1, 0x44, 0x44}, takeFromEach(cpus));
    }

    @Test
    void physicalBroadcastReachesEveryone() {
        ipi(cpus[3], 0xFF, 0x45);
        assertArrayEquals(new int[] {0x45, 0x45, 0x45, 0x45}, takeFromEach(cpus));
    }

    @Test
    void logicalFlatDestinationsAsLinuxSetsThemUp() {
        for (int i = 0; i < cpus.length; i++) {
            write(cpus[i], REG_DFR, 0xFFFF_FFFF);
            write(cpus[i], REG_LDR, (1 << i) << 24);
        }
        ipi(cpus[0], 0b1010, DEST_LOGICAL | 0x46);
        assertArrayEquals(new int[] {-1, 0x46, -1, 0x46}, takeFromEach(cpus));
    }

    @Test
    void logicalClusterDestinations() {
        for (int i = 0; i < cpus.length; i++) {
            write(cpus[i], REG_DFR, 0x0FFF_FFFF);
            write(cpus[i], REG_LDR, ((i / 2) << 4 | 1 << (i % 2)) << 24); // two clusters of two
        }
        ipi(cpus[0], 0x13, DEST_LOGICAL | 0x47);
        assertArrayEquals(new int[] {-1, -1, 0x47, 0x47}, takeFromEach(cpus));
        ipi(cpus[0], 0xF1, DEST_LOGICAL | 0x48); // member 0 of every cluster
        assertArrayEquals(new int[] {0x48, -1, 0x48, -1}, takeFromEach(cpus));
    }

    @Test
    void lowestPriorityGoesToTheProcessorWithTheLowestTaskPriority() {
        for (int i = 0; i < cpus.length; i++) {
            write(cpus[i], REG_LDR, 1 << (24 + i));
            write(cpus[i], REG_TPR, 0x40 - 0x10 * i); // cpu 3 has the lowest
        }
        ipi(cpus[0], 0x0F, DEST_LOGICAL | DM_LOWEST | 0x50);
        assertArrayEquals(new int[] {-1, -1, -1, 0x50}, takeFromEach(cpus));
        ipi(cpus[0], 0x07, DEST_LOGICAL | DM_LOWEST | 0x51); // cpu 3 not addressed
        assertArrayEquals(new int[] {-1, -1, 0x51, -1}, takeFromEach(cpus));
    }

    @Test
    void lowestPriorityCountsInterruptsInServiceAndRotatesAmongEquals() {
        for (LocalApic cpu : cpus) {
            write(cpu, REG_LDR, 0x0100_0000);
        }
        ipi(cpus[0], 1, DEST_LOGICAL | DM_LOWEST | 0x60);
        ipi(cpus[0], 1, DEST_LOGICAL | DM_LOWEST | 0x61);
        ipi(cpus[0], 1, DEST_LOGICAL | DM_LOWEST | 0x62);
        ipi(cpus[0], 1, DEST_LOGICAL | DM_LOWEST | 0x63);
        int[] taken = takeFromEach(cpus);
        java.util.Arrays.sort(taken);
        assertArrayEquals(new int[] {0x60, 0x61, 0x62, 0x63}, taken, "each processor got one");
    }

    @Test
    void nmiIpiIsTakenAsAnNmi() {
        ipi(cpus[0], 1, DM_NMI);
        assertTrue(cpus[1].hasEvents());
        assertEquals(-1, cpus[1].pendingInterrupt());
        assertTrue(cpus[1].takeNmi());
        assertFalse(cpus[1].hasEvents());
    }

    @Test
    void linuxWakesAnApWithInitThenTwoStartupIpis() {
        LocalApic bsp = cpus[0];
        LocalApic target = cpus[2];
        write(target, REG_TPR, 0x30);
        assertEquals(-1, target.takeSipi(), "no SIPI yet");

        write(bsp, REG_ESR, 0);
        ipi(bsp, 2, INT_LEVELTRIG | INT_ASSERT | DM_INIT);
        ipi(bsp, 2, INT_LEVELTRIG | DM_INIT); // de-assert: ignored
        assertTrue(target.hasEvents());
        assertTrue(target.takeInit());
        assertFalse(target.takeInit());
        assertEquals(0, read(target, REG_TPR), "INIT reset the APIC");
        assertEquals(0xFF, read(target, REG_SVR));
        assertEquals(2 << 24, read(target, REG_ID), "but kept its ID");

        ipi(bsp, 2, DM_STARTUP | 0x9A);
        ipi(bsp, 2, DM_STARTUP | 0x9B);
        assertTrue(target.hasEvents());
        assertEquals(0x9A, target.takeSipi(), "the first SIPI starts the processor");
        assertEquals(-1, target.takeSipi(), "the second finds it running and is ignored");
        assertFalse(target.hasEvents());
        assertFalse(cpus[1].hasEvents(), "nobody else was touched");
    }

    @Test
    void initAndStartupPendingTogetherAreBothTaken() {
        ipi(cpus[0], 3, INT_LEVELTRIG | INT_ASSERT | DM_INIT);
        ipi(cpus[0], 3, DM_STARTUP | 0x10);
        assertTrue(cpus[3].takeInit());
        assertEquals(0x10, cpus[3].takeSipi());
    }

    @Test
    void apsWaitForSipiFromPowerUpButTheBspNever() {
        TestPlatform fresh = new TestPlatform(2);
        ipi(fresh.apic(0), 1, DM_STARTUP | 0x08);
        assertEquals(0x08, fresh.apic(1).takeSipi());
        ipi(fresh.apic(1), 0, DM_STARTUP | 0x08);
        assertEquals(-1, fresh.apic(0).takeSipi());
    }

    @Test
    void initToTheBspResetsItWithoutWaitingForSipi() {
        ipi(cpus[1], 0, INT_LEVELTRIG | INT_ASSERT | DM_INIT);
        assertTrue(cpus[0].takeInit());
        ipi(cpus[1], 0, DM_STARTUP | 0x20);
        assertEquals(-1, cpus[0].takeSipi());
    }

    @Test
    void initDeassertAloneDoesNothing() {
        ipi(cpus[0], 0xFF, DEST_ALLINC | INT_LEVELTRIG | DM_INIT);
        for (LocalApic cpu : cpus) {
            assertFalse(cpu.takeInit());
            assertEquals(0x1FF, read(cpu, REG_SVR));
        }
    }
}

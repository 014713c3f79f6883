package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.BASE_BSP;
import static jvisor.engine.emu.platform.ApicRegisters.BASE_ENABLE;
import static jvisor.engine.emu.platform.ApicRegisters.BASE_X2APIC;
import static jvisor.engine.emu.platform.ApicRegisters.REG_VERSION;
import static jvisor.engine.emu.platform.TestPlatform.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

/** x2APIC mode (Intel SDM vol. 3, 10.12): the mode switch rules, the MSR interface, IPIs with 32-bit IDs. */
class X2apicTest {
    private static final long XAPIC = PcLayout.LAPIC_BASE | BASE_ENABLE;
    private static final long X2APIC = XAPIC | BASE_X2APIC;
    private static final int ID = 0x802;
    private static final int VERSION = 0x803;
    private static final int TPR = 0x808;
    private static final int APR = 0x809;
    private static final int EOI = 0x80B;
    private static final int LDR = 0x80D;
    private static final int DFR = 0x80E;
    private static final int SVR = 0x80F;
    private static final int ISR0 = 0x810;
    private static final int ESR = 0x828;
    private static final int ICR = 0x830;
    private static final int ICR_HIGH = 0x831;
    private static final int SELF_IPI = 0x83F;

    private final TestPlatform t = new TestPlatform(3);
    private final LocalApic bsp = t.apic(0);
    private final LocalApic ap = t.apic(1);
    private final LocalApic ap2 = t.apic(2);

    private static void toX2apic(LocalApic apic) {
        assertTrue(apic.writeApicBaseMsr((apic.apicBaseMsr() & BASE_BSP) | X2APIC));
        assertTrue(apic.x2apicWrite(SVR, 0x1FF));
    }

    @Test
    void isSupportedAndStartsInXapicMode() {
        assertTrue(bsp.x2apicSupported());
        assertFalse(bsp.x2apicReadable(VERSION), "the MSRs are a #GP until x2APIC mode is on");
        assertFalse(bsp.x2apicWrite(TPR, 0));
    }

    @Test
    void modeSwitchesFollowTheSdmsStateMachine() {
        assertFalse(ap.writeApicBaseMsr(PcLayout.LAPIC_BASE | BASE_X2APIC), "EXTD without EN is invalid");
        assertTrue(ap.writeApicBaseMsr(X2APIC), "xAPIC to x2APIC");
        assertFalse(ap.writeApicBaseMsr(XAPIC), "x2APIC to xAPIC directly is a #GP");
        assertEquals(X2APIC, ap.apicBaseMsr());
        assertTrue(ap.writeApicBaseMsr(PcLayout.LAPIC_BASE), "x2APIC to disabled");
        assertFalse(ap.writeApicBaseMsr(X2APIC), "disabled to x2APIC skips xAPIC: a #GP");
        assertTrue(ap.writeApicBaseMsr(XAPIC), "disabled to xAPIC");
        assertTrue(ap.writeApicBaseMsr(X2APIC));
    }

    @Test
    void idsAreTheInitialApicIdReadOnlyAndTheLogicalIdFollowsFromThem() {
        TestPlatform.write(ap, ApicRegisters.REG_ID, 7 << 24); // the xAPIC ID is writable...
        toX2apic(ap);
        assertEquals(1, ap.x2apicRead(ID), "...the x2APIC ID is the initial one");
        assertEquals((0 << 16) | (1 << 1), ap.x2apicRead(LDR));
        assertFalse(ap.x2apicWrite(ID, 5), "read-only in x2APIC mode");
        assertFalse(ap.x2apicWrite(LDR, 5), "read-only in x2APIC mode");
        assertEquals(TestPlatform.read(bsp, REG_VERSION), (int) ap.x2apicRead(VERSION));
    }

    @Test
    void registersThatXapicHadAndX2apicDropsAreAGp() {
        toX2apic(bsp);
        for (int gone : new int[] {APR, DFR, ICR_HIGH, 0x80C, 0x82F, 0x8FF}) {
            assertFalse(bsp.x2apicReadable(gone), Integer.toHexString(gone));
            assertFalse(bsp.x2apicWrite(gone, 0), Integer.toHexString(gone));
        }
        assertFalse(bsp.x2apicReadable(EOI), "EOI is write-only");
        assertFalse(bsp.x2apicReadable(SELF_IPI), "SELF IPI is write-only");
        assertFalse(bsp.x2apicWrite(EOI, 1), "EOI takes only 0");
        assertFalse(bsp.x2apicWrite(ESR, 1), "ESR takes only 0");
        assertFalse(bsp.x2apicWrite(TPR, 1L << 32), "bits 63:32 are reserved outside the ICR");
        assertFalse(bsp.x2apicWrite(SELF_IPI, 0x100), "SELF IPI's bits 31:8 are reserved");
    }

    @Test
    void theXapicPageIsGoneInX2apicModeAndCr8StillReachesTheTpr() {
        toX2apic(bsp);
        assertEquals(0xFFFF_FFFFL, bsp.mmioRead(REG_VERSION, 4));
        bsp.setTaskPriority(0x50);
        assertEquals(0x50, bsp.x2apicRead(TPR));
        assertTrue(bsp.x2apicWrite(TPR, 0x20));
        assertEquals(0x20, bsp.taskPriority());
    }

    @Test
    void selfIpiRaisesTheVectorOnThisApicAlone() {
        toX2apic(bsp);
        toX2apic(ap);
        assertTrue(bsp.x2apicWrite(SELF_IPI, 0x41));
        assertEquals(0x41, take(bsp));
        assertEquals(-1, take(ap));
        assertEquals(1L << 1, bsp.x2apicRead(ISR0 + 2) , "in service: vector 0x41 is bit 1 of ISR 2");
        assertTrue(bsp.x2apicWrite(EOI, 0));
        assertEquals(0, bsp.x2apicRead(ISR0 + 2));
    }

    @Test
    void theIcrIsOneMsrWithA32BitDestination() {
        toX2apic(bsp);
        toX2apic(ap);
        toX2apic(ap2);
        long icr = (2L << 32) | 0x4051; // fixed, physical, vector 0x51, to x2APIC ID 2
        assertTrue(bsp.x2apicWrite(ICR, icr));
        assertEquals(icr, bsp.x2apicRead(ICR));
        assertEquals(0x51, take(ap2));
        assertTrue(ap2.x2apicWrite(EOI, 0));
        assertEquals(-1, take(ap));
        assertTrue(bsp.x2apicWrite(ICR, (0xFFFF_FFFFL << 32) | 0x4052), "all ones: every APIC");
        assertEquals(0x52, take(bsp));
        assertEquals(0x52, take(ap));
        assertEquals(0x52, take(ap2));
        for (LocalApic apic : new LocalApic[] {bsp, ap, ap2}) {
            assertTrue(apic.x2apicWrite(EOI, 0));
        }
        // logical: cluster 0, members 1 and 2 (the APICs with x2APIC IDs 1 and 2)
        assertTrue(bsp.x2apicWrite(ICR, (0x0006L << 32) | 0x4853));
        assertEquals(-1, take(bsp));
        assertEquals(0x53, take(ap));
        assertEquals(0x53, take(ap2));
    }

    @Test
    void theIoapicsEightBitDestinationsReachX2apicModeApics() {
        toX2apic(ap);
        ap.accept(ApicMessage.fromIoApic(DeliveryMode.FIXED, 0x61, false, 1, false));
        assertEquals(0x61, take(ap));
    }
}

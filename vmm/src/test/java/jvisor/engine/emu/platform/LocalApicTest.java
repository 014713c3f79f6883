package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.REG_APR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_DFR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_ESR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_ID;
import static jvisor.engine.emu.platform.ApicRegisters.REG_IRR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_ISR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_LDR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_LVT_ERROR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_LVT_LINT0;
import static jvisor.engine.emu.platform.ApicRegisters.REG_LVT_LINT1;
import static jvisor.engine.emu.platform.ApicRegisters.REG_LVT_TIMER;
import static jvisor.engine.emu.platform.ApicRegisters.REG_PPR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_SVR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TMR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_TPR;
import static jvisor.engine.emu.platform.ApicRegisters.REG_VERSION;
import static jvisor.engine.emu.platform.TestPlatform.bit;
import static jvisor.engine.emu.platform.TestPlatform.enable;
import static jvisor.engine.emu.platform.TestPlatform.eoi;
import static jvisor.engine.emu.platform.TestPlatform.read;
import static jvisor.engine.emu.platform.TestPlatform.take;
import static jvisor.engine.emu.platform.TestPlatform.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

/** The local APIC's registers, acceptance and priorities (Intel SDM vol. 3, 10.4-10.8). */
class LocalApicTest {
    private final TestPlatform t = new TestPlatform(2);
    private final LocalApic bsp = t.apic(0);
    private final LocalApic ap = t.apic(1);

    /** A fixed, edge-triggered interrupt from the IOAPIC's side of the bus. */
    private static void post(LocalApic apic, int vector) {
        apic.accept(ApicMessage.fromIoApic(DeliveryMode.FIXED, vector, false, apic.apicId(), false));
    }

    @Test
    void identifiesItselfAsAnXapicWithSixLvtEntries() {
        assertEquals(0x14, read(bsp, REG_VERSION) & 0xFF);
        assertEquals(5, read(bsp, REG_VERSION) >>> 16 & 0xFF);
        assertEquals(0, read(bsp, REG_ID) >>> 24);
        assertEquals(1, read(ap, REG_ID) >>> 24);
        assertEquals(1, ap.apicId());
    }

    @Test
    void apicBaseMsrMarksTheBspAndTheEnabledPageAtFee00000() {
        assertEquals(PcLayout.LAPIC_BASE | ApicRegisters.BASE_ENABLE | ApicRegisters.BASE_BSP, bsp.apicBaseMsr());
        assertEquals(PcLayout.LAPIC_BASE | ApicRegisters.BASE_ENABLE, ap.apicBaseMsr());
        bsp.setApicBaseMsr(0xFED0_0000L | ApicRegisters.BASE_ENABLE); // the BSP bit is read-only
        assertEquals(0xFED0_0000L | ApicRegisters.BASE_ENABLE | ApicRegisters.BASE_BSP, bsp.apicBaseMsr());
    }

    @Test
    void powerUpStateIsSoftwareDisabledWithMaskedLvtsAndVirtualWireOnTheBsp() {
        assertEquals(0xFF, read(ap, REG_SVR));
        assertEquals(0xFFFF_FFFF, read(ap, REG_DFR));
        for (int lvt = REG_LVT_TIMER; lvt <= REG_LVT_ERROR; lvt += 0x10) {
            assertEquals(ApicRegisters.LVT_MASKED, read(ap, lvt), "AP LVT " + Integer.toHexString(lvt));
        }
        assertEquals(0x700, read(bsp, REG_LVT_LINT0)); // ExtINT, unmasked
        assertEquals(0x400, read(bsp, REG_LVT_LINT1)); // NMI
    }

    @Test
    void takesTheHighestVectorFirstAndNestsOnlyHigherPriorityClasses() {
        enable(bsp);
        post(bsp, 0x41);
        post(bsp, 0x45);
        post(bsp, 0x62);
        assertTrue(bsp.hasEvents());
        assertTrue(bit(bsp, REG_IRR, 0x41) && bit(bsp, REG_IRR, 0x45) && bit(bsp, REG_IRR, 0x62));

        assertEquals(0x62, take(bsp));
        assertTrue(bit(bsp, REG_ISR, 0x62));
        assertFalse(bit(bsp, REG_IRR, 0x62));
        assertEquals(0x60, read(bsp, REG_PPR));
        assertEquals(-1, bsp.pendingInterrupt(), "class 4 waits while class 6 is in service");
        assertFalse(bsp.hasEvents());

        post(bsp, 0x71);
        assertEquals(0x71, take(bsp), "a higher class nests");
        eoi(bsp);
        assertFalse(bit(bsp, REG_ISR, 0x71));
        assertTrue(bit(bsp, REG_ISR, 0x62));
        eoi(bsp);
        assertEquals(0x45, take(bsp));
        assertEquals(-1, bsp.pendingInterrupt(), "0x41 is in the same class as 0x45");
        eoi(bsp);
        assertEquals(0x41, take(bsp));
        eoi(bsp);
        assertEquals(-1, bsp.pendingInterrupt());
        assertEquals(0, read(bsp, REG_PPR));
    }

    @Test
    void taskPriorityHoldsBackClassesAtOrBelowIt() {
        enable(bsp);
        write(bsp, REG_TPR, 0x5A);
        post(bsp, 0x5F);
        assertEquals(-1, bsp.pendingInterrupt());
        assertEquals(0x5A, read(bsp, REG_PPR));
        assertEquals(0x5A, read(bsp, REG_APR));
        post(bsp, 0x60);
        assertEquals(0x60, take(bsp));
        assertEquals(0x60, read(bsp, REG_PPR), "ISR class above TPR class");
        eoi(bsp);
        write(bsp, REG_TPR, 0);
        assertTrue(bsp.hasEvents(), "lowering TPR releases 0x5F");
        assertEquals(0x5F, take(bsp));
    }

    @Test
    void aPostedVectorIsHeldOnceHoweverOftenItIsPosted() {
        enable(bsp);
        post(bsp, 0x50);
        post(bsp, 0x50);
        assertEquals(0x50, take(bsp));
        eoi(bsp);
        assertEquals(-1, bsp.pendingInterrupt());
    }

    @Test
    void levelTriggeredAcceptanceSetsTheTriggerModeRegister() {
        enable(bsp);
        bsp.accept(ApicMessage.fromIoApic(DeliveryMode.FIXED, 0x80, false, 0, true));
        bsp.accept(ApicMessage.fromIoApic(DeliveryMode.FIXED, 0x81, false, 0, false));
        assertTrue(bit(bsp, REG_TMR, 0x80));
        assertFalse(bit(bsp, REG_TMR, 0x81));
    }

    @Test
    void aSoftwareDisabledApicDropsFixedInterruptsButTakesNmis() {
        post(ap, 0x40);
        assertFalse(bit(ap, REG_IRR, 0x40));
        ap.accept(ApicMessage.fromIoApic(DeliveryMode.NMI, 0, false, 1, false));
        assertTrue(ap.hasEvents());
        assertTrue(ap.takeNmi());
        assertFalse(ap.takeNmi());
    }

    @Test
    void twoNmisArrivingBeforeTheProcessorLooksAreBothDelivered() {
        // One is taken at once and the second waits out its handler, as kvm-unit-tests' "multiple nmi" expects; a third is lost.
        for (int k = 0; k < 3; k++) {
            bsp.accept(ApicMessage.fromIoApic(DeliveryMode.NMI, 0, false, 0, false));
        }
        assertTrue(bsp.takeNmi());
        assertTrue(bsp.hasEvents());
        assertTrue(bsp.takeNmi());
        assertFalse(bsp.takeNmi());
        assertFalse(bsp.hasEvents());
    }

    @Test
    void whileAnNmiHandlerRunsOnlyOneMoreNmiWaits() {
        // kvm-unit-tests' "pending nmi": ten NMIs sent from inside the handler make one more.
        bsp.accept(ApicMessage.fromIoApic(DeliveryMode.NMI, 0, false, 0, false));
        assertTrue(bsp.takeNmi());
        for (int k = 0; k < 10; k++) {
            bsp.accept(ApicMessage.fromIoApic(DeliveryMode.NMI, 0, false, 0, false));
        }
        bsp.nmiHandlerDone();
        assertTrue(bsp.takeNmi());
        bsp.nmiHandlerDone();
        assertFalse(bsp.takeNmi());
    }

    @Test
    void lvtWritesStayMaskedWhileSoftwareDisabledAndClearingSvrEnableMasksThemAll() {
        write(ap, REG_LVT_TIMER, 0x20);
        assertEquals(ApicRegisters.LVT_MASKED | 0x20, read(ap, REG_LVT_TIMER));
        enable(ap);
        write(ap, REG_LVT_TIMER, 0x20);
        assertEquals(0x20, read(ap, REG_LVT_TIMER));
        write(ap, REG_SVR, 0xFF);
        assertEquals(ApicRegisters.LVT_MASKED | 0x20, read(ap, REG_LVT_TIMER));
    }

    @Test
    void illegalVectorsAreReportedThroughTheErrorStatusRegisterAndErrorLvt() {
        enable(bsp);
        write(bsp, REG_LVT_ERROR, 0xFE);
        post(bsp, 0x0E);
        assertEquals(0, read(bsp, REG_ESR), "errors show after the next ESR write");
        write(bsp, REG_ESR, 0);
        assertEquals(ApicRegisters.ESR_RECEIVE_ILLEGAL_VECTOR, read(bsp, REG_ESR));
        assertEquals(0xFE, take(bsp));
        eoi(bsp);
        TestPlatform.ipi(bsp, 1, 0x0005); // fixed IPI with vector 5
        write(bsp, REG_ESR, 0);
        assertEquals(ApicRegisters.ESR_SEND_ILLEGAL_VECTOR, read(bsp, REG_ESR));
        write(bsp, REG_ESR, 0);
        assertEquals(0, read(bsp, REG_ESR));
    }

    @Test
    void logicalDestinationsMatchFlatAndClusterModels() {
        write(ap, REG_LDR, 0x0400_0000);
        assertTrue(ap.matches(true, 0x04));
        assertTrue(ap.matches(true, 0x0C));
        assertFalse(ap.matches(true, 0x02));
        assertTrue(ap.matches(true, 0xFF));

        write(ap, REG_DFR, 0x0FFF_FFFF); // cluster model
        write(ap, REG_LDR, 0x3200_0000); // cluster 3, member bit 1
        assertTrue(ap.matches(true, 0x32));
        assertTrue(ap.matches(true, 0x3F));
        assertFalse(ap.matches(true, 0x22), "another cluster");
        assertFalse(ap.matches(true, 0x31), "another member");
        assertTrue(ap.matches(true, 0xFF));
        assertEquals(0x0FFF_FFFF, read(ap, REG_DFR));
    }

    @Test
    void physicalDestinationsMatchTheIdOrTheBroadcast() {
        assertTrue(ap.matches(false, 1));
        assertFalse(ap.matches(false, 0));
        assertTrue(ap.matches(false, 0xFF));
        write(ap, REG_ID, 7 << 24);
        assertTrue(ap.matches(false, 7));
        assertEquals(7, ap.apicId());
    }

    @Test
    void readsOfPartsOfARegisterAndWritesThatAreNotAlignedDwords() {
        enable(bsp);
        write(bsp, REG_TPR, 0x35);
        assertEquals(0x35, bsp.mmioRead(REG_TPR, 1));
        assertEquals(0x01, bsp.mmioRead(REG_SVR + 1, 1));
        assertEquals(0, bsp.mmioRead(REG_TPR + 4, 4), "bytes 4-15 of a register slot read as zero");
        bsp.mmioWrite(REG_TPR, 1, 0x77);
        bsp.mmioWrite(REG_TPR + 2, 4, 0x77);
        assertEquals(0x35, read(bsp, REG_TPR), "only aligned 32-bit writes reach a register");
    }

    @Test
    void aHardwareDisabledApicAcceptsNothingAndResetsWhenReEnabled() {
        enable(ap);
        write(ap, REG_TPR, 0x20);
        ap.setApicBaseMsr(PcLayout.LAPIC_BASE);
        post(ap, 0x40);
        assertFalse(ap.hasEvents());
        ap.setApicBaseMsr(PcLayout.LAPIC_BASE | ApicRegisters.BASE_ENABLE);
        assertEquals(0, read(ap, REG_TPR));
        assertEquals(0xFF, read(ap, REG_SVR));
        assertEquals(1, ap.apicId(), "the ID survives");
    }
}

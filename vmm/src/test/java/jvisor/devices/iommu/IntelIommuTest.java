package jvisor.devices.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import jvisor.bus.InterruptRemapper;
import jvisor.bus.InterruptRemapper.MsiMessage;
import jvisor.devices.DeviceLog;
import jvisor.devices.pci.DmaRemapper;
import jvisor.engine.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The VT-d unit programmed as kvm-unit-tests' intel-iommu library and Linux's intel-iommu driver program it. */
class IntelIommuTest {
    private static final long ROOT = 0x10000;
    private static final long CONTEXT = 0x11000;
    private static final long LEVEL3 = 0x12000;
    private static final long LEVEL2 = 0x13000;
    private static final long LEVEL1 = 0x14000;
    private static final long IR_TABLE = 0x20000;
    private static final long QUEUE = 0x30000;
    private static final int EDU = 0x0020;    // 00:04.0
    private static final long R = 1;
    private static final long W = 2;

    private final GuestMemory ram = GuestMemory.allocate(16 << 20);
    private final List<String> events = new ArrayList<>();
    private final IntelIommu iommu = new IntelIommu(ram, (a, d) -> events.add(Long.toHexString(a) + ":" + d), true,
            DeviceLog.discard("intel-iommu"));

    @AfterEach
    void free() {
        ram.close();
    }

    private int readl(int register) {
        return (int) iommu.read(register, 4);
    }

    private long readq(int register) {
        return iommu.read(register, 8);
    }

    /** vtd_gcmd_or: the status plus one command bit. */
    private void command(int bit) {
        iommu.write(IntelIommu.REG_GLOBAL_COMMAND, 4, (readl(IntelIommu.REG_GLOBAL_STATUS) | bit) & 0xFFFF_FFFFL);
    }

    /** Root entry for bus 0, context entry for {@code requester} with 3-level tables (39 bits), domain 1. */
    private void mapContext(int requester, boolean faultsQuiet) {
        ram.write64(ROOT, CONTEXT | 1);
        ram.write64(CONTEXT + (requester & 0xFF) * 16L, LEVEL3 | (faultsQuiet ? 2 : 0) | 1);
        ram.write64(CONTEXT + (requester & 0xFF) * 16L + 8, 1L << 8 | 1);
        ram.write64(LEVEL3, LEVEL2 | R | W);
        ram.write64(LEVEL2, LEVEL1 | R | W);
        iommu.write(IntelIommu.REG_ROOT_TABLE, 8, ROOT);
        command(IntelIommu.ROOT_POINTER);
        command(IntelIommu.TRANSLATION);
    }

    @Test
    void identityAndCapabilitiesKvmUnitTestsChecks() {
        assertEquals(1, (readl(IntelIommu.REG_VERSION) >>> 4) & 0xF, "version 1.0");
        long cap = readq(IntelIommu.REG_CAPABILITY);
        assertEquals(0b110, cap >>> 8 & 0x1F, "39- and 48-bit tables");
        assertEquals(3, cap >>> 34 & 0xF, "2 MiB and 1 GiB pages");
        assertEquals(IntelIommu.REG_FAULT_RECORD, (cap >>> 24 & 0x3FF) * 16, "where the fault record is");
        long ecap = readq(IntelIommu.REG_EXTENDED_CAPABILITY);
        assertEquals(0b1010, ecap & 0b11010, "queued invalidation and interrupt remapping, no EIM");
        assertEquals(IntelIommu.REG_IOTLB_ADDRESS, (ecap >>> 8 & 0x3FF) * 16);
        assertEquals(0, readl(IntelIommu.REG_FAULT_STATUS));
    }

    @Test
    void globalCommandsShowInTheStatusOneAtATime() {
        command(IntelIommu.QUEUED_INVALIDATION);
        iommu.write(IntelIommu.REG_ROOT_TABLE, 8, ROOT);
        command(IntelIommu.ROOT_POINTER);
        iommu.write(IntelIommu.REG_REMAP_TABLE, 8, IR_TABLE | 0xF);
        command(IntelIommu.REMAP_TABLE_POINTER);
        command(IntelIommu.TRANSLATION);
        command(IntelIommu.INTERRUPT_REMAPPING);
        assertEquals(IntelIommu.QUEUED_INVALIDATION | IntelIommu.ROOT_POINTER | IntelIommu.REMAP_TABLE_POINTER
                | IntelIommu.TRANSLATION | IntelIommu.INTERRUPT_REMAPPING, readl(IntelIommu.REG_GLOBAL_STATUS));
        iommu.write(IntelIommu.REG_GLOBAL_COMMAND, 4, readl(IntelIommu.REG_GLOBAL_STATUS) & ~IntelIommu.TRANSLATION
                & 0xFFFF_FFFFL);
        assertEquals(0, readl(IntelIommu.REG_GLOBAL_STATUS) & IntelIommu.TRANSLATION);
        assertEquals(0, readl(IntelIommu.REG_GLOBAL_COMMAND), "the command register reads zero");
    }

    @Test
    void withTranslationOffBusAddressesAreGuestPhysical() {
        assertEquals(0x1234_5000L, iommu.translate(EDU, 0x1234_5000L, true));
    }

    @Test
    void aDmaIsTranslatedThroughContextAndThreeLevelsOfTables() {
        mapContext(EDU, false);
        ram.write64(LEVEL1 + 3 * 8, 0x0058_8000L | R | W);
        assertEquals(0x0058_8123L, iommu.translate(EDU, 0x3123, false));
        assertEquals(0x0058_8FFFL, iommu.translate(EDU, 0x3FFF, true));
    }

    @Test
    void twoMegabyteAndOneGigabytePagesAndFourLevelTables() {
        mapContext(EDU, false);
        ram.write64(LEVEL2 + 8, 0x0060_0000L | 1 << 7 | R);
        assertEquals(0x0061_2345L, iommu.translate(EDU, 0x0021_2345L, false), "2 MiB page at IOVA 2 MiB");
        ram.write64(LEVEL3 + 8, 0x4000_0000L | 1 << 7 | R);
        assertEquals(0x4123_4567L, iommu.translate(EDU, 0x4123_4567L, false), "1 GiB page at IOVA 1 GiB");
        ram.write64(CONTEXT + 0x20 * 16 + 8, 1L << 8 | 2);
        ram.write64(0x15000, LEVEL3 | R | W);
        ram.write64(CONTEXT + 0x20 * 16, 0x15000 | 1);
        assertEquals(0x4123_4567L, iommu.translate(EDU, 0x4123_4567L, false), "48-bit: one more level on top");
    }

    @Test
    void anUnmappedReadIsBlockedAndRecordedAndTheFaultEventFires() {
        mapContext(EDU, false);
        iommu.write(IntelIommu.REG_FAULT_ADDRESS, 4, 0xFEE0_0000L);
        iommu.write(IntelIommu.REG_FAULT_DATA, 4, 0x61);
        iommu.write(IntelIommu.REG_FAULT_CONTROL, 4, 0);
        assertEquals(DmaRemapper.BLOCKED, iommu.translate(EDU, 0x7123, false));
        assertEquals(IntelIommu.FAULT_PENDING, readl(IntelIommu.REG_FAULT_STATUS));
        assertEquals(0x7000L, readq(IntelIommu.REG_FAULT_RECORD), "the faulting page");
        long high = readq(IntelIommu.REG_FAULT_RECORD + 8);
        assertEquals(EDU, high & 0xFFFF, "source ID");
        assertEquals(VtdFault.READ_DENIED, high >>> 32 & 0xFF, "reason 6: read not allowed");
        assertEquals(3L, high >>> 62, "fault and read-request bits");
        assertEquals(List.of("fee00000:" + 0x61), events);

        assertEquals(DmaRemapper.BLOCKED, iommu.translate(EDU, 0x8000, true));
        assertEquals(IntelIommu.FAULT_PENDING | IntelIommu.FAULT_OVERFLOW, readl(IntelIommu.REG_FAULT_STATUS),
                "the one record is full: overflow");
        iommu.write(IntelIommu.REG_FAULT_RECORD + 12, 4, 0x8000_0000L);
        iommu.write(IntelIommu.REG_FAULT_STATUS, 4, IntelIommu.FAULT_OVERFLOW);
        assertEquals(0, readl(IntelIommu.REG_FAULT_STATUS), "cleared by writing ones");
        assertEquals(DmaRemapper.BLOCKED, iommu.translate(0x0100, 0, true));
        assertEquals(VtdFault.ROOT_NOT_PRESENT, readq(IntelIommu.REG_FAULT_RECORD + 8) >>> 32 & 0xFF, "bus 1 has no root entry");
    }

    @Test
    void aMaskedFaultEventWaitsForTheUnmask() {
        mapContext(EDU, false);
        iommu.translate(EDU, 0x9000, true);
        assertEquals(List.of(), events);
        assertEquals(IntelIommu.EVENT_MASKED | IntelIommu.EVENT_PENDING, readl(IntelIommu.REG_FAULT_CONTROL));
        iommu.write(IntelIommu.REG_FAULT_CONTROL, 4, 0);
        assertEquals(1, events.size());
    }

    @Test
    void faultProcessingDisableBlocksWithoutARecord() {
        mapContext(EDU, true);
        assertEquals(DmaRemapper.BLOCKED, iommu.translate(EDU, 0x7000, true));
        assertEquals(0, readl(IntelIommu.REG_FAULT_STATUS));
    }

    @Test
    void badContextsAndAddressesFaultWithTheirReasons() {
        mapContext(EDU, false);
        assertEquals(DmaRemapper.BLOCKED, iommu.translate(EDU, 1L << 39, false));
        assertEquals(VtdFault.ADDRESS_BEYOND_WIDTH, readq(IntelIommu.REG_FAULT_RECORD + 8) >>> 32 & 0xFF);
        iommu.write(IntelIommu.REG_FAULT_RECORD + 12, 4, 0x8000_0000L);
        assertEquals(DmaRemapper.BLOCKED, iommu.translate(EDU + 1, 0, false));
        assertEquals(VtdFault.CONTEXT_NOT_PRESENT, readq(IntelIommu.REG_FAULT_RECORD + 8) >>> 32 & 0xFF);
        iommu.write(IntelIommu.REG_FAULT_RECORD + 12, 4, 0x8000_0000L);
        ram.write64(CONTEXT + 0x20 * 16 + 8, 1L << 8 | 3);
        assertEquals(DmaRemapper.BLOCKED, iommu.translate(EDU, 0, false));
        assertEquals(VtdFault.CONTEXT_INVALID, readq(IntelIommu.REG_FAULT_RECORD + 8) >>> 32 & 0xFF, "57 bits unsupported");
        iommu.write(IntelIommu.REG_FAULT_RECORD + 12, 4, 0x8000_0000L);
        ram.write64(CONTEXT + 0x20 * 16, LEVEL3 | 2 << 2 | 1);
        assertEquals(0x0123_4567L, iommu.translate(EDU, 0x0123_4567L, true), "pass-through context");
    }

    /** vtd_setup_irte and vtd_setup_msi: IRTE 2 sends vector 0xee to APIC 3, full source-ID check. */
    private void remapTable(long irteLow) {
        ram.write64(IR_TABLE + 2 * 16, irteLow);
        ram.write64(IR_TABLE + 2 * 16 + 8, 1L << 18 | EDU);
        iommu.write(IntelIommu.REG_REMAP_TABLE, 8, IR_TABLE | 0xF);
        command(IntelIommu.REMAP_TABLE_POINTER);
        command(IntelIommu.INTERRUPT_REMAPPING);
    }

    private static final long IRTE_VECTOR_EE_TO_APIC_3 = 3L << 40 | 0xEEL << 16 | 1;
    private static final long HANDLE_2 = 0xFEE0_0000L | 2 << 5 | 1 << 4;

    @Test
    void aRemappableMsiTakesVectorAndDestinationFromItsIrte() {
        remapTable(IRTE_VECTOR_EE_TO_APIC_3);
        MsiMessage m = iommu.remap(EDU, HANDLE_2, 0);
        assertEquals(new MsiMessage(0xFEE0_3000L, 0xEE), m);
        MsiMessage level = iommu.remap(InterruptRemapper.UNKNOWN_REQUESTER, HANDLE_2, 0);
        assertEquals(new MsiMessage(0xFEE0_3000L, 0xEE), level, "the IOAPIC is not checked, as in QEMU");
        ram.write64(IR_TABLE + 2 * 16, IRTE_VECTOR_EE_TO_APIC_3 | 1 << 4 | 1 << 2);
        assertEquals(new MsiMessage(0xFEE0_3004L, 0xC0EE), iommu.remap(EDU, HANDLE_2, 0), "level, logical");
    }

    @Test
    void theWrongSourceOrAMissingEntryIsBlockedAndRecorded() {
        remapTable(IRTE_VECTOR_EE_TO_APIC_3);
        assertNull(iommu.remap(0x0018, HANDLE_2, 0));
        long high = readq(IntelIommu.REG_FAULT_RECORD + 8);
        assertEquals(VtdFault.SOURCE_ID_MISMATCH, high >>> 32 & 0xFF);
        assertEquals(2L, readq(IntelIommu.REG_FAULT_RECORD) >>> 48, "the interrupt index");
        iommu.write(IntelIommu.REG_FAULT_RECORD + 12, 4, 0x8000_0000L);
        assertNull(iommu.remap(EDU, 0xFEE0_0000L | 3 << 5 | 1 << 4, 0));
        assertEquals(VtdFault.REMAP_ENTRY_NOT_PRESENT, readq(IntelIommu.REG_FAULT_RECORD + 8) >>> 32 & 0xFF);
    }

    @Test
    void compatibilityFormatIsBlockedUnlessAllowedAndEverythingPassesWithRemappingOff() {
        assertEquals(new MsiMessage(HANDLE_2, 7), iommu.remap(EDU, HANDLE_2, 7), "remapping off");
        remapTable(IRTE_VECTOR_EE_TO_APIC_3);
        assertNull(iommu.remap(EDU, 0xFEE0_1000L, 0x31));
        assertEquals(VtdFault.COMPATIBILITY_BLOCKED, readq(IntelIommu.REG_FAULT_RECORD + 8) >>> 32 & 0xFF);
        command(IntelIommu.COMPATIBILITY_FORMAT);
        assertEquals(new MsiMessage(0xFEE0_1000L, 0x31), iommu.remap(EDU, 0xFEE0_1000L, 0x31));
    }

    @Test
    void withoutInterruptRemappingTheCommandIsIgnored() {
        IntelIommu plain = new IntelIommu(ram, (a, d) -> { }, false, DeviceLog.discard("intel-iommu"));
        assertEquals(0, plain.read(IntelIommu.REG_EXTENDED_CAPABILITY, 4) & IntelIommu.EXTENDED_CAPABILITY_IR);
        plain.write(IntelIommu.REG_GLOBAL_COMMAND, 4, IntelIommu.INTERRUPT_REMAPPING);
        assertEquals(0L, plain.read(IntelIommu.REG_GLOBAL_STATUS, 4));
    }

    /** Linux's qi_submit_sync: an IOTLB flush, then a wait descriptor writing a status word. */
    @Test
    void queuedInvalidationRunsToTheTailAndWritesTheWaitStatus() {
        iommu.write(IntelIommu.REG_QUEUE_ADDRESS, 8, QUEUE);
        iommu.write(IntelIommu.REG_QUEUE_TAIL, 8, 0);
        command(IntelIommu.QUEUED_INVALIDATION);
        ram.write64(QUEUE, 2 | 1 << 4);
        ram.write64(QUEUE + 16, 5 | 1 << 5 | 1 << 4 | 0x1234_5678L << 32);
        ram.write64(QUEUE + 24, 0x40000);
        iommu.write(IntelIommu.REG_QUEUE_TAIL, 8, 2 << 4);
        assertEquals(2L << 4, readq(IntelIommu.REG_QUEUE_HEAD));
        assertEquals(0x1234_5678, ram.read32(0x40000));
        assertEquals(IntelIommu.WAIT_COMPLETED, readl(IntelIommu.REG_COMPLETION_STATUS));
        assertEquals(IntelIommu.EVENT_MASKED | IntelIommu.EVENT_PENDING, readl(IntelIommu.REG_COMPLETION_CONTROL));
        assertEquals(0, readl(IntelIommu.REG_FAULT_STATUS));
    }

    @Test
    void anInvalidDescriptorStopsTheQueueWithAnError() {
        iommu.write(IntelIommu.REG_QUEUE_ADDRESS, 8, QUEUE);
        command(IntelIommu.QUEUED_INVALIDATION);
        ram.write64(QUEUE, 0xF);
        iommu.write(IntelIommu.REG_QUEUE_TAIL, 8, 1 << 4);
        assertEquals(0L, readq(IntelIommu.REG_QUEUE_HEAD), "the head stays on the bad descriptor");
        assertEquals(IntelIommu.QUEUE_ERROR, readl(IntelIommu.REG_FAULT_STATUS));
        ram.write64(QUEUE, 4);
        iommu.write(IntelIommu.REG_FAULT_STATUS, 4, IntelIommu.QUEUE_ERROR);
        assertEquals(1L << 4, readq(IntelIommu.REG_QUEUE_HEAD), "fixed and resumed");
    }

    @Test
    void registerBasedInvalidationCompletesAtOnce() {
        iommu.write(IntelIommu.REG_CONTEXT_COMMAND, 8, 1L << 63 | 1L << 61);
        long ccmd = readq(IntelIommu.REG_CONTEXT_COMMAND);
        assertEquals(0L, ccmd >>> 63, "ICC clear: done");
        assertEquals(1L, ccmd >>> 59 & 3, "actual granularity: global");
        iommu.write(IntelIommu.REG_IOTLB, 8, 1L << 63 | 2L << 60);
        long iotlb = readq(IntelIommu.REG_IOTLB);
        assertEquals(0L, iotlb >>> 63);
        assertEquals(2L, iotlb >>> 57 & 3);
    }

    @Test
    void guestGarbageNeverThrows() {
        for (int offset = 0; offset < 0x1000; offset += 4) {
            iommu.write(offset, 4, 0xFFFF_FFFFL);
            iommu.read(offset, 4);
            iommu.write(offset + 1, 2, 0);
        }
        assertNotEquals(0, readl(IntelIommu.REG_GLOBAL_STATUS));
        iommu.translate(EDU, -1L, true);
        iommu.remap(EDU, 0xFEEF_FFFFL, -1);
        iommu.write(IntelIommu.REG_QUEUE_TAIL, 4, 0xFFFF_FFFFL);
    }
}

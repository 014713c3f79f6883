package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jvisor.engine.ExitReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exit decoding over a stand-in for the vCPU mapping, filled as the kernel fills kvm_run (three
 * pages, the I/O data in the page after kvm_run as KVM_PIO_PAGE_OFFSET puts it).
 */
class ExitDecoderTest {
    private static final long MAPPING = 3 * 4096;
    private static final long PIO_PAGE = 4096;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment mapping = arena.allocate(MAPPING, 4096);
    private final KvmRun run = new KvmRun(mapping);
    private final KvmIoExit io = new KvmIoExit(run);
    private final KvmMmioExit mmio = new KvmMmioExit(run);

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void outIsReadInPlaceAtTheDataOffset() {
        io(KvmConst.KVM_EXIT_IO_OUT, 2, 0x3F8, 1, PIO_PAGE);
        mapping.set(ValueLayout.JAVA_SHORT, PIO_PAGE, (short) 0xBEEF);
        assertEquals(ExitReason.IO, decode());
        assertTrue(io.isWrite());
        assertEquals(0x3F8, io.port());
        assertEquals(2, io.size());
        assertEquals(1, io.count());
        assertEquals(0xBEEF, io.value(0));
    }

    @Test
    void stringInputWritesEveryValueWhereKvmCopiesThemFrom() {
        io(KvmConst.KVM_EXIT_IO_IN, 1, 0x60, 4, PIO_PAGE);
        assertEquals(ExitReason.IO, decode());
        assertFalse(io.isWrite());
        assertEquals(4, io.count());
        for (int i = 0; i < 4; i++) {
            io.setValue(i, 'a' + i);
        }
        byte[] data = mapping.asSlice(PIO_PAGE, 4).toArray(ValueLayout.JAVA_BYTE);
        assertEquals("abcd", new String(data, java.nio.charset.StandardCharsets.US_ASCII));
        assertThrows(IndexOutOfBoundsException.class, () -> io.setValue(4, 0));
    }

    @Test
    void dwordValuesAreLittleEndian() {
        io(KvmConst.KVM_EXIT_IO_IN, 4, 0xCFC, 1, PIO_PAGE);
        decode();
        io.setValue(0, 0x1234_5678);
        assertEquals(0x78, mapping.get(ValueLayout.JAVA_BYTE, PIO_PAGE));
        assertEquals(0x1234_5678, io.value(0));
    }

    @Test
    void ioDataOutsideTheMappingIsUnhandled() {
        io(KvmConst.KVM_EXIT_IO_OUT, 4, 0x80, 1024, MAPPING - 8);
        assertEquals(ExitReason.UNHANDLED, decode());
        assertTrue(ExitDescription.of(ExitReason.UNHANDLED, 0, run, io, mmio).contains("malformed"));
        io(KvmConst.KVM_EXIT_IO_OUT, 3, 0x80, 1, PIO_PAGE);
        assertEquals(ExitReason.UNHANDLED, decode());
    }

    @Test
    void mmioReadAndWriteInPlace() {
        exit(KvmConst.KVM_EXIT_MMIO);
        KvmRun.MMIO_PHYS_ADDR.set(mapping, 0L, 0xD000_0000L);
        KvmRun.MMIO_LEN.set(mapping, 0L, 4);
        KvmRun.MMIO_IS_WRITE.set(mapping, 0L, (byte) 0);
        mapping.set(ValueLayout.JAVA_LONG, KvmRun.MMIO_DATA, -1L);
        assertEquals(ExitReason.MMIO, decode());
        assertFalse(mmio.isWrite());
        assertEquals(0xD000_0000L, mmio.address());
        assertEquals(4, mmio.size());
        assertEquals(0xFFFF_FFFFL, mmio.value(), "only len bytes count");
        mmio.setValue(0x1122_3344L);
        assertEquals(0x1122_3344, mapping.get(ValueLayout.JAVA_INT, KvmRun.MMIO_DATA));

        KvmRun.MMIO_IS_WRITE.set(mapping, 0L, (byte) 1);
        KvmRun.MMIO_LEN.set(mapping, 0L, 9);
        assertEquals(ExitReason.UNHANDLED, decode(), "MMIO data is at most eight bytes");
    }

    @Test
    void systemEventsBecomePowerOffResetOrTheGenericEvent() {
        exit(KvmConst.KVM_EXIT_SYSTEM_EVENT);
        KvmRun.SYSTEM_EVENT_TYPE.set(mapping, 0L, KvmConst.KVM_SYSTEM_EVENT_SHUTDOWN);
        assertEquals(ExitReason.POWER_OFF, decode());
        KvmRun.SYSTEM_EVENT_TYPE.set(mapping, 0L, KvmConst.KVM_SYSTEM_EVENT_RESET);
        assertEquals(ExitReason.RESET, decode());
        KvmRun.SYSTEM_EVENT_TYPE.set(mapping, 0L, KvmConst.KVM_SYSTEM_EVENT_CRASH);
        KvmRun.SYSTEM_EVENT_NDATA.set(mapping, 0L, 1);
        mapping.set(ValueLayout.JAVA_LONG, KvmRun.SYSTEM_EVENT_DATA, 0x42L);
        assertEquals(ExitReason.SYSTEM_EVENT, decode());
        assertEquals("KVM_EXIT_SYSTEM_EVENT: crash, data 0x42", describe(ExitReason.SYSTEM_EVENT));
    }

    @Test
    void simpleExitsMapOneToOne() {
        exit(KvmConst.KVM_EXIT_HLT);
        assertEquals(ExitReason.HLT, decode());
        exit(KvmConst.KVM_EXIT_SHUTDOWN);
        assertEquals(ExitReason.SHUTDOWN, decode());
    }

    @Test
    void failedEntryNamesTheHardwareReason() {
        exit(KvmConst.KVM_EXIT_FAIL_ENTRY);
        KvmRun.FAIL_ENTRY_REASON.set(mapping, 0L, 0x21L);
        KvmRun.FAIL_ENTRY_CPU.set(mapping, 0L, 3);
        assertEquals(ExitReason.FAIL_ENTRY, decode());
        assertEquals("KVM_EXIT_FAIL_ENTRY: hardware_entry_failure_reason 0x21 on host cpu 3",
                describe(ExitReason.FAIL_ENTRY));
    }

    @Test
    void internalErrorGivesSuberrorAndData() {
        exit(KvmConst.KVM_EXIT_INTERNAL_ERROR);
        KvmRun.INTERNAL_SUBERROR.set(mapping, 0L, KvmConst.KVM_INTERNAL_ERROR_EMULATION);
        KvmRun.INTERNAL_NDATA.set(mapping, 0L, 2);
        mapping.set(ValueLayout.JAVA_LONG, KvmRun.INTERNAL_DATA, 0xAL);
        mapping.set(ValueLayout.JAVA_LONG, KvmRun.INTERNAL_DATA + 8, 0xBL);
        assertEquals(ExitReason.INTERNAL_ERROR, decode());
        assertEquals("KVM_EXIT_INTERNAL_ERROR: emulation failure (suberror 1), data 0xa 0xb",
                describe(ExitReason.INTERNAL_ERROR));
        KvmRun.INTERNAL_NDATA.set(mapping, 0L, 1000);
        assertTrue(describe(ExitReason.INTERNAL_ERROR).split(" 0x").length == 17, "at most 16 data words");
    }

    @Test
    void anythingElseIsUnhandledAndNamedByNumber() {
        exit(KvmConst.KVM_EXIT_X86_BUS_LOCK);
        assertEquals(ExitReason.UNHANDLED, decode());
        assertEquals("KVM_EXIT_X86_BUS_LOCK (exit reason 33)", describe(ExitReason.UNHANDLED));
        exit(99);
        assertEquals(ExitReason.UNHANDLED, decode());
        assertEquals("exit 99 (exit reason 99)", describe(ExitReason.UNHANDLED));
        exit(KvmConst.KVM_EXIT_UNKNOWN);
        KvmRun.HW_EXIT_REASON.set(mapping, 0L, 0x30L);
        assertEquals("KVM_EXIT_UNKNOWN: hardware exit reason 0x30", describe(ExitReason.UNHANDLED));
    }

    @Test
    void anInterruptExitStopsAndRearms() {
        run.requestImmediateExit();
        exit(KvmConst.KVM_EXIT_INTR);
        assertEquals(ExitReason.STOPPED, decode());
        assertFalse(run.immediateExitRequested());
    }

    @Test
    void immediateExitIsTheByteAfterRequestInterruptWindow() {
        run.requestImmediateExit();
        assertEquals(1, mapping.get(ValueLayout.JAVA_BYTE, 1));
        assertEquals(0, mapping.get(ValueLayout.JAVA_BYTE, 0));
        run.clearImmediateExit();
        assertEquals(0, mapping.get(ValueLayout.JAVA_BYTE, 1));
    }

    private ExitReason decode() {
        return ExitDecoder.decode(run, io, mmio);
    }

    private String describe(ExitReason reason) {
        return ExitDescription.of(reason, 0, run, io, mmio);
    }

    private void exit(int reason) {
        KvmRun.EXIT_REASON.set(mapping, 0L, reason);
    }

    private void io(int direction, int size, int port, int count, long dataOffset) {
        exit(KvmConst.KVM_EXIT_IO);
        KvmRun.IO_DIRECTION.set(mapping, 0L, (byte) direction);
        KvmRun.IO_SIZE.set(mapping, 0L, (byte) size);
        KvmRun.IO_PORT.set(mapping, 0L, (short) port);
        KvmRun.IO_COUNT.set(mapping, 0L, count);
        KvmRun.IO_DATA_OFFSET.set(mapping, 0L, dataOffset);
    }
}

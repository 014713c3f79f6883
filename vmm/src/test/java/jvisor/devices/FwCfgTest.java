package jvisor.devices;

import static jvisor.devices.FwCfg.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jvisor.bus.PcLayout;
import org.junit.jupiter.api.Test;

/** fw_cfg's traditional interface, read the way SeaBIOS and Linux's qemu_fw_cfg read it. */
class FwCfgTest {
    private static final int SELECTOR = PcLayout.FW_CFG;
    private static final int DATA = PcLayout.FW_CFG + 1;

    private final FwCfg fwCfg = new FwCfg(512L << 20, 2);

    private void select(int key) {
        fwCfg.write(SELECTOR, 2, key);
    }

    private byte[] readBytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) fwCfg.read(DATA, 1);
        }
        return bytes;
    }

    private ByteBuffer item(int key, int length, ByteOrder order) {
        select(key);
        return ByteBuffer.wrap(readBytes(length)).order(order);
    }

    @Test
    void signatureIsQemuAndReadsPastTheEndAreZero() {
        select(SIGNATURE);
        assertEquals("QEMU", new String(readBytes(4), StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[3], readBytes(3));
    }

    @Test
    void idAdvertisesTheTraditionalInterfaceOnly() {
        assertEquals(ID_TRADITIONAL, item(ID, 4, ByteOrder.LITTLE_ENDIAN).getInt());
    }

    @Test
    void machineItemsAreLittleEndian() {
        assertEquals(512L << 20, item(RAM_SIZE, 8, ByteOrder.LITTLE_ENDIAN).getLong());
        assertEquals(2, item(NB_CPUS, 2, ByteOrder.LITTLE_ENDIAN).getShort());
        assertEquals(2, item(MAX_CPUS, 2, ByteOrder.LITTLE_ENDIAN).getShort());
        assertEquals(0, item(BOOT_MENU, 2, ByteOrder.LITTLE_ENDIAN).getShort());
        assertEquals(0, item(NUMA, 8, ByteOrder.LITTLE_ENDIAN).getLong(), "no NUMA nodes");
        assertArrayEquals(new byte[16], item(UUID, 16, ByteOrder.BIG_ENDIAN).array());
    }

    @Test
    void anEmptyDirectoryHasACountOfZero() {
        assertEquals(0, item(FILE_DIR, 4, ByteOrder.BIG_ENDIAN).getInt());
    }

    /** What a guest does: read the count, walk the 64-byte entries, select a file by its key. */
    @Test
    void theFileDirectoryListsFilesByNameWithTheirSelectors() {
        Map<String, byte[]> added = new LinkedHashMap<>();
        added.put("etc/e820", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
        added.put("bootorder", "/rom@genroms/linuxboot.bin\n".getBytes(StandardCharsets.US_ASCII));
        added.put("etc/acpi/tables", new byte[300]);
        added.forEach(fwCfg::addFile);

        select(FILE_DIR);
        int count = ByteBuffer.wrap(readBytes(4)).getInt();
        assertEquals(3, count);
        ByteBuffer entries = ByteBuffer.wrap(readBytes(count * DIRECTORY_ENTRY_SIZE));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int size = entries.getInt();
            int key = entries.getShort() & 0xFFFF;
            assertEquals(0, entries.getShort(), "reserved");
            byte[] rawName = new byte[FILE_NAME_SIZE];
            entries.get(rawName);
            String name = new String(rawName, StandardCharsets.US_ASCII).replaceAll("\0+$", "");
            names.add(name);
            assertEquals(FILE_FIRST + i, key);
            assertEquals(added.get(name).length, size);
            select(key);
            assertArrayEquals(added.get(name), readBytes(size), name);
            assertEquals(0, fwCfg.read(DATA, 1), "past the end of " + name);
        }
        assertEquals(List.of("bootorder", "etc/acpi/tables", "etc/e820"), names);
    }

    @Test
    void selectingAgainStartsFromTheFirstByte() {
        select(SIGNATURE);
        readBytes(2);
        select(SIGNATURE);
        assertEquals('Q', fwCfg.read(DATA, 1));
    }

    @Test
    void unknownAndArchitectureKeysReadAsZero() {
        select(0x0123);
        assertArrayEquals(new byte[4], readBytes(4));
        select(ARCH_LOCAL | 0x0003);
        assertArrayEquals(new byte[4], readBytes(4));
    }

    @Test
    void theWriteChannelBitDoesNotChangeWhatIsRead() {
        select(WRITE_CHANNEL | SIGNATURE);
        assertEquals("QEMU", new String(readBytes(4), StandardCharsets.US_ASCII));
        fwCfg.write(DATA, 1, 'X');
        select(SIGNATURE);
        assertEquals('Q', fwCfg.read(DATA, 1), "data-port writes are ignored");
    }

    @Test
    void accessesOfTheWrongSizeAreIgnored() {
        select(SIGNATURE);
        fwCfg.write(SELECTOR, 1, ID);
        assertEquals('Q', fwCfg.read(DATA, 1), "an 8-bit selector write does not select");
        assertEquals(0xFFFF, fwCfg.read(DATA, 2));
        assertEquals(0xFFFF, fwCfg.read(SELECTOR, 2));
        assertEquals('E', fwCfg.read(DATA, 1));
    }

    @Test
    void fileNamesAreCheckedWhenAdded() {
        fwCfg.addFile("etc/e820", new byte[0]);
        assertThrows(IllegalStateException.class, () -> fwCfg.addFile("etc/e820", new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> fwCfg.addFile("", new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> fwCfg.addFile("x".repeat(FILE_NAME_SIZE), new byte[1]));
        fwCfg.addFile("y".repeat(FILE_NAME_SIZE - 1), new byte[1]);
    }

    @Test
    void theDeviceKeepsItsOwnCopyOfAFile() {
        byte[] data = {1, 2, 3};
        fwCfg.addFile("opt/x", data);
        data[0] = 9;
        select(FILE_FIRST);
        assertArrayEquals(new byte[] {1, 2, 3}, readBytes(3));
    }
}

package jvisor.kit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpioWriterTest {
    /** One entry read back: the fields the kernel's unpacker uses. */
    record Entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) { }

    /** Reads a newc archive the way the kernel's init/initramfs.c does, checking alignment as it goes. */
    static List<Entry> read(byte[] archive) {
        List<Entry> entries = new ArrayList<>();
        int at = 0;
        while (true) {
            assertEquals(0, at % 4, "headers are 4-byte aligned");
            String header = new String(archive, at, CpioWriter.HEADER_SIZE, StandardCharsets.US_ASCII);
            assertEquals(CpioWriter.MAGIC, header.substring(0, 6));
            int[] f = new int[13];
            for (int i = 0; i < 13; i++) {
                f[i] = Integer.parseUnsignedInt(header.substring(6 + 8 * i, 14 + 8 * i), 16);
            }
            int nameSize = f[11];
            String name = new String(archive, at + CpioWriter.HEADER_SIZE, nameSize - 1, StandardCharsets.UTF_8);
            assertEquals(0, archive[at + CpioWriter.HEADER_SIZE + nameSize - 1], "names end in NUL");
            at = align(at + CpioWriter.HEADER_SIZE + nameSize);
            byte[] data = Arrays.copyOfRange(archive, at, at + f[6]);
            at = align(at + f[6]);
            if (name.equals(CpioWriter.TRAILER)) {
                assertEquals(archive.length, at, "nothing after the trailer");
                return entries;
            }
            entries.add(new Entry(name, f[1], f[9], f[10], data));
        }
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    @Test
    void writesNewcEntriesTheKernelCanUnpack() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CpioWriter w = new CpioWriter(out);
        w.directory("/bin", 0755);
        w.file("bin/busybox", 0755, new byte[] {1, 2, 3, 4, 5});
        w.symlink("bin/sh", "busybox");
        w.characterDevice("dev/console", 0600, 5, 1);
        w.finish();
        byte[] archive = out.toByteArray();
        assertEquals(archive.length, w.bytesWritten());
        List<Entry> e = read(archive);
        assertEquals(List.of("bin", "bin/busybox", "bin/sh", "dev/console"), e.stream().map(Entry::name).toList());
        assertEquals(CpioWriter.S_IFDIR | 0755, e.get(0).mode());
        assertEquals(CpioWriter.S_IFREG | 0755, e.get(1).mode());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, e.get(1).data());
        assertEquals(CpioWriter.S_IFLNK | 0777, e.get(2).mode());
        assertEquals("busybox", new String(e.get(2).data()));
        assertEquals(CpioWriter.S_IFCHR | 0600, e.get(3).mode());
        assertEquals(5, e.get(3).rdevMajor());
        assertEquals(1, e.get(3).rdevMinor());
    }

    @Test
    void nothingFollowsTheTrailer() {
        CpioWriter w = new CpioWriter(new ByteArrayOutputStream());
        w.finish();
        assertThrows(IllegalStateException.class, () -> w.file("x", 0644, new byte[0]));
    }
}

package jvisor.guest.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import jvisor.boot.BadInputException;
import org.junit.jupiter.api.Test;

class VmlinuxElfTest {
    @Test
    void readsTheLoadableSegmentsAndTheEntry() {
        VmlinuxElf elf = VmlinuxElf.parse("k", new TestBzImage().vmlinux());
        assertEquals(TestBzImage.TEXT, elf.entry());
        assertEquals(2, elf.segments().size());
        VmlinuxElf.Segment data = elf.segments().get(1);
        assertEquals(TestBzImage.DATA, data.physical());
        assertEquals(TestBzImage.DATA_FILE_SIZE, data.fileSize());
        assertEquals(TestBzImage.DATA_MEMORY_SIZE, data.memorySize());
        assertEquals(TestBzImage.TEXT, elf.start());
        assertEquals(TestBzImage.DATA + TestBzImage.DATA_MEMORY_SIZE, elf.end());
    }

    private static String problem(byte[] elf) {
        return assertThrows(BadInputException.class, () -> VmlinuxElf.parse("k", elf)).getMessage();
    }

    @Test
    void rejectsWhatIsNotAnX8664Executable() {
        assertTrue(problem(new byte[100]).contains("not an ELF"));
        byte[] elf = new TestBzImage().vmlinux();
        elf[18] = 3;
        assertTrue(problem(elf).contains("x86-64"));
    }

    @Test
    void rejectsSegmentsOutsideTheFile() {
        byte[] elf = new TestBzImage().vmlinux();
        ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN).putLong(64 + 32, 1L << 40);
        assertTrue(problem(elf).contains("outside"));
        assertTrue(problem(Arrays.copyOf(elf, 80)).contains("program headers"));
    }

    @Test
    void rejectsAnEntryOutsideTheCode() {
        TestBzImage t = new TestBzImage();
        t.entry = TestBzImage.DATA;
        assertTrue(problem(t.vmlinux()).contains("entry point"));
    }
}

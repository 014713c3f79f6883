package jvisor.devices.vga;

import static jvisor.devices.vga.VgaRegisters.GC_BIT_MASK;
import static jvisor.devices.vga.VgaRegisters.GC_COLOR_COMPARE;
import static jvisor.devices.vga.VgaRegisters.GC_COLOR_DONT_CARE;
import static jvisor.devices.vga.VgaRegisters.GC_DATA_ROTATE;
import static jvisor.devices.vga.VgaRegisters.GC_ENABLE_SET_RESET;
import static jvisor.devices.vga.VgaRegisters.GC_MISC;
import static jvisor.devices.vga.VgaRegisters.GC_MODE;
import static jvisor.devices.vga.VgaRegisters.GC_READ_MAP;
import static jvisor.devices.vga.VgaRegisters.GC_SET_RESET;
import static jvisor.devices.vga.VgaRegisters.MEMORY_MODE_CHAIN4;
import static jvisor.devices.vga.VgaRegisters.MEMORY_MODE_ODD_EVEN_OFF;
import static jvisor.devices.vga.VgaRegisters.SEQ_MAP_MASK;
import static jvisor.devices.vga.VgaRegisters.SEQ_MEMORY_MODE;

/**
 * The VGA's 256 KiB of video memory as four 64 KiB planes, and the pipeline between them and
 * the processor's window at 0xA0000-0xBFFFF: the window the graphics controller maps, chain-4
 * and odd/even addressing, the four latches, write modes 0-3 (rotate, set/reset, logical
 * operation, bit mask, map mask) and read modes 0-1 (plane select, colour compare). In text mode
 * plane 0 holds the characters, plane 1 their attributes and plane 2 the font.
 */
final class VgaMemory {
    static final int PLANE_SIZE = 0x1_0000;
    /** Offset of the window in the 0xA0000-0xBFFFF range per memory map select (GC 6, bits 3-2), and its size. */
    private static final int[] WINDOW_BASE = {0x0000, 0x0000, 0x10000, 0x18000};
    private static final int[] WINDOW_SIZE = {0x20000, 0x10000, 0x8000, 0x8000};

    final byte[][] planes = new byte[4][PLANE_SIZE];
    private final int[] latch = new int[4];
    private final VgaRegisters r;

    VgaMemory(VgaRegisters registers) {
        this.r = registers;
    }

    /** The offset inside the mapped window of {@code address} (0 = 0xA0000), or -1 outside it. */
    private int windowOffset(int address) {
        int select = (r.gc[GC_MISC] >>> 2) & 3;
        int offset = address - WINDOW_BASE[select];
        return offset >= 0 && offset < WINDOW_SIZE[select] ? offset : -1;
    }

    int read(int address) {
        int offset = windowOffset(address);
        if (offset < 0) {
            return 0xFF;
        }
        int memoryMode = r.seq[SEQ_MEMORY_MODE];
        if ((memoryMode & MEMORY_MODE_CHAIN4) != 0) {
            return planes[offset & 3][(offset >>> 2) & 0xFFFF] & 0xFF;
        }
        int plane;
        int at;
        if ((memoryMode & MEMORY_MODE_ODD_EVEN_OFF) == 0) {
            plane = (r.gc[GC_READ_MAP] & 2) | (offset & 1);
            at = offset & 0xFFFE;
        } else {
            plane = r.gc[GC_READ_MAP] & 3;
            at = offset & 0xFFFF;
        }
        for (int p = 0; p < 4; p++) {
            latch[p] = planes[p][at] & 0xFF;
        }
        if ((r.gc[GC_MODE] & 0x08) == 0) {
            return latch[plane];
        }
        // Read mode 1: a bit is set where every plane not "don't care" matches the compare colour.
        int result = 0xFF;
        for (int p = 0; p < 4; p++) {
            if ((r.gc[GC_COLOR_DONT_CARE] >>> p & 1) != 0) {
                int want = (r.gc[GC_COLOR_COMPARE] >>> p & 1) != 0 ? 0xFF : 0x00;
                result &= ~(latch[p] ^ want);
            }
        }
        return result & 0xFF;
    }

    void write(int address, int value) {
        int offset = windowOffset(address);
        if (offset < 0) {
            return;
        }
        value &= 0xFF;
        int memoryMode = r.seq[SEQ_MEMORY_MODE];
        int mapMask = r.seq[SEQ_MAP_MASK] & 0x0F;
        if ((memoryMode & MEMORY_MODE_CHAIN4) != 0) {
            int plane = offset & 3;
            if ((mapMask >>> plane & 1) != 0) {
                planes[plane][(offset >>> 2) & 0xFFFF] = (byte) value;
            }
            return;
        }
        int at;
        if ((memoryMode & MEMORY_MODE_ODD_EVEN_OFF) == 0) {
            mapMask &= (offset & 1) != 0 ? 0x0A : 0x05;
            at = offset & 0xFFFE;
        } else {
            at = offset & 0xFFFF;
        }
        int[] data = pipeline(value);
        for (int p = 0; p < 4; p++) {
            if ((mapMask >>> p & 1) != 0) {
                planes[p][at] = (byte) data[p];
            }
        }
    }

    /** The bytes write modes 0-3 produce for each plane from the processor's {@code value} and the latches. */
    private int[] pipeline(int value) {
        int mode = r.gc[GC_MODE] & 3;
        int[] out = new int[4];
        if (mode == 1) {
            System.arraycopy(latch, 0, out, 0, 4);
            return out;
        }
        int rotate = r.gc[GC_DATA_ROTATE] & 7;
        int rotated = ((value >>> rotate) | (value << (8 - rotate))) & 0xFF;
        int bitMask = r.gc[GC_BIT_MASK];
        for (int p = 0; p < 4; p++) {
            int setReset = (r.gc[GC_SET_RESET] >>> p & 1) != 0 ? 0xFF : 0x00;
            out[p] = switch (mode) {
                case 0 -> (r.gc[GC_ENABLE_SET_RESET] >>> p & 1) != 0 ? setReset : rotated;
                case 2 -> (value >>> p & 1) != 0 ? 0xFF : 0x00;
                default -> setReset;
            };
        }
        if (mode == 3) {
            bitMask &= rotated;
        }
        int operation = (r.gc[GC_DATA_ROTATE] >>> 3) & 3;
        for (int p = 0; p < 4; p++) {
            int v = switch (operation) {
                case 1 -> out[p] & latch[p];
                case 2 -> out[p] | latch[p];
                case 3 -> out[p] ^ latch[p];
                default -> out[p];
            };
            out[p] = (v & bitMask | latch[p] & ~bitMask) & 0xFF;
        }
        return out;
    }
}

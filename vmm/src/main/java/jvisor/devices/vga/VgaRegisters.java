package jvisor.devices.vga;

/**
 * The VGA's register files, as the ports reach them: miscellaneous output, sequencer (5),
 * CRT controller (25), graphics controller (9), attribute controller (21) and the DAC's 256
 * colours. Plain state; {@link Vga} locks around every access.
 */
final class VgaRegisters {
    static final int SEQ_COUNT = 5;
    static final int CRTC_COUNT = 25;
    static final int GC_COUNT = 9;
    static final int ATTR_COUNT = 21;

    // Sequencer
    static final int SEQ_MAP_MASK = 2;
    static final int SEQ_MEMORY_MODE = 4;
    static final int MEMORY_MODE_ODD_EVEN_OFF = 0x04;
    static final int MEMORY_MODE_CHAIN4 = 0x08;

    // Graphics controller
    static final int GC_SET_RESET = 0;
    static final int GC_ENABLE_SET_RESET = 1;
    static final int GC_COLOR_COMPARE = 2;
    static final int GC_DATA_ROTATE = 3;
    static final int GC_READ_MAP = 4;
    static final int GC_MODE = 5;
    static final int GC_MISC = 6;
    static final int GC_COLOR_DONT_CARE = 7;
    static final int GC_BIT_MASK = 8;
    static final int GC_MISC_GRAPHICS = 0x01;

    // CRT controller
    static final int CRTC_HORIZONTAL_DISPLAY_END = 0x01;
    static final int CRTC_OVERFLOW = 0x07;
    static final int CRTC_MAX_SCAN_LINE = 0x09;
    static final int CRTC_CURSOR_START = 0x0A;
    static final int CRTC_CURSOR_END = 0x0B;
    static final int CRTC_START_HIGH = 0x0C;
    static final int CRTC_START_LOW = 0x0D;
    static final int CRTC_CURSOR_HIGH = 0x0E;
    static final int CRTC_CURSOR_LOW = 0x0F;
    static final int CRTC_VERTICAL_RETRACE_END = 0x11;
    static final int CRTC_VERTICAL_DISPLAY_END = 0x12;
    static final int CRTC_OFFSET = 0x13;
    static final int CURSOR_DISABLE = 0x20;
    static final int PROTECT = 0x80;

    // Attribute controller
    static final int ATTR_MODE = 0x10;
    static final int ATTR_ADDRESS_PAS = 0x20;

    static final int MISC_COLOR = 0x01;

    int misc;
    int seqIndex;
    final int[] seq = new int[SEQ_COUNT];
    int crtcIndex;
    final int[] crtc = new int[CRTC_COUNT];
    int gcIndex;
    final int[] gc = new int[GC_COUNT];
    int attrIndex;
    boolean attrFlipFlopData;
    final int[] attr = new int[ATTR_COUNT];
    int dacMask = 0xFF;
    int dacReadIndex;
    int dacWriteIndex;
    int dacComponent;
    boolean dacReading;
    /** 6-bit red, green, blue per entry. */
    final int[] dac = new int[256 * 3];
    int featureControl;
    int retraceToggle;

    /** The state after the machine's reset: memory at 0xA0000 (128 KiB), planes enabled, no mode yet. */
    VgaRegisters() {
        seq[SEQ_MAP_MASK] = 0x0F;
        gc[GC_BIT_MASK] = 0xFF;
        misc = MISC_COLOR;
    }

    boolean colorPorts() {
        return (misc & MISC_COLOR) != 0;
    }

    boolean textMode() {
        return (gc[GC_MISC] & GC_MISC_GRAPHICS) == 0;
    }

    /** The address counter value of the first character shown. */
    int startAddress() {
        return crtc[CRTC_START_HIGH] << 8 | crtc[CRTC_START_LOW];
    }

    int cursorAddress() {
        return crtc[CRTC_CURSOR_HIGH] << 8 | crtc[CRTC_CURSOR_LOW];
    }

    int columns() {
        return crtc[CRTC_HORIZONTAL_DISPLAY_END] + 1;
    }

    /** Scan lines shown: the vertical display end with its overflow bits 8 and 9. */
    int scanLines() {
        int overflow = crtc[CRTC_OVERFLOW];
        return (crtc[CRTC_VERTICAL_DISPLAY_END] | (overflow & 0x02) << 7 | (overflow & 0x40) << 3) + 1;
    }

    int characterHeight() {
        return (crtc[CRTC_MAX_SCAN_LINE] & 0x1F) + 1;
    }

    /** The distance between rows in address-counter units (twice the offset register in word mode). */
    int rowStride() {
        return crtc[CRTC_OFFSET] * 2;
    }

    boolean cursorVisible() {
        return (crtc[CRTC_CURSOR_START] & CURSOR_DISABLE) == 0
                && (crtc[CRTC_CURSOR_START] & 0x1F) <= (crtc[CRTC_CURSOR_END] & 0x1F);
    }
}

package jvisor.devices.vga;

import static jvisor.devices.vga.VgaRegisters.ATTR_ADDRESS_PAS;
import static jvisor.devices.vga.VgaRegisters.ATTR_COUNT;
import static jvisor.devices.vga.VgaRegisters.CRTC_COUNT;
import static jvisor.devices.vga.VgaRegisters.CRTC_VERTICAL_RETRACE_END;
import static jvisor.devices.vga.VgaRegisters.GC_COUNT;
import static jvisor.devices.vga.VgaRegisters.PROTECT;
import static jvisor.devices.vga.VgaRegisters.SEQ_COUNT;

import jvisor.bus.MmioHandler;
import jvisor.bus.PortHandler;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.Stage;

/**
 * A legacy VGA on the ISA bus, as far as a text console needs it: the registers a VGA BIOS
 * programs for its modes (0x3C0-0x3CF, the CRT controller at 0x3D4/0x3D5 or 0x3B4/0x3B5 as the
 * miscellaneous output register says, input status at 0x3DA/0x3BA) and the video memory window
 * 0xA0000-0xBFFFF with its planar pipeline. SeaBIOS's VGA BIOS (vgabios-isavga) drives it; what
 * the screen shows is read with {@link #textScreen()}. Present when the machine boots through
 * firmware.
 */
public final class Vga implements PortHandler, MmioHandler {
    public static final long WINDOW_BASE = 0xA0000;
    public static final long WINDOW_SIZE = 0x20000;
    public static final int PORTS_BASE = 0x3B0;
    public static final int PORTS_COUNT = 0x30;

    private final VgaRegisters r = new VgaRegisters();
    private final VgaMemory memory = new VgaMemory(r);
    /** Bumped by every write that may change what the screen shows, so a renderer can skip idle frames. */
    private volatile long generation;

    @InitFunction(stage = Stage.DRIVER, order = 1)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        if (vm.ram().firmware().isEmpty()) {
            return;
        }
        Vga vga = new Vga();
        vm.ports().register(PORTS_BASE, PORTS_COUNT, vga, "VGA");
        vm.mmio().register(WINDOW_BASE, WINDOW_SIZE, vga, "VGA memory");
        vm.addDevice(Vga.class, vga);
    }

    public long generation() {
        return generation;
    }

    // ---- ports -----------------------------------------------------------------------------------

    /** Wider accesses reach consecutive byte registers, as the VGA BIOS's 16-bit index/data writes expect. */
    @Override
    public synchronized int read(int port, int size) {
        int value = 0;
        for (int i = 0; i < size; i++) {
            value |= (readPort(port + i) & 0xFF) << (8 * i);
        }
        return value;
    }

    @Override
    public synchronized void write(int port, int size, int value) {
        for (int i = 0; i < size; i++) {
            writePort(port + i, (value >>> (8 * i)) & 0xFF);
        }
        generation++;
    }

    private boolean crtcPort(int port, int colorPort, int monoPort) {
        return port == (r.colorPorts() ? colorPort : monoPort);
    }

    private int readPort(int port) {
        if (crtcPort(port, 0x3D4, 0x3B4)) {
            return r.crtcIndex;
        }
        if (crtcPort(port, 0x3D5, 0x3B5)) {
            return r.crtcIndex < CRTC_COUNT ? r.crtc[r.crtcIndex] : 0xFF;
        }
        if (crtcPort(port, 0x3DA, 0x3BA)) {
            return inputStatus1();
        }
        return switch (port) {
            case 0x3C0 -> r.attrIndex;
            case 0x3C1 -> (r.attrIndex & 0x1F) < ATTR_COUNT ? r.attr[r.attrIndex & 0x1F] : 0;
            case 0x3C2 -> 0x10; // input status 0: the monitor sense line says a colour monitor is there
            case 0x3C3 -> 1;
            case 0x3C4 -> r.seqIndex;
            case 0x3C5 -> r.seqIndex < SEQ_COUNT ? r.seq[r.seqIndex] : 0xFF;
            case 0x3C6 -> r.dacMask;
            case 0x3C7 -> r.dacReading ? 0x03 : 0x00;
            case 0x3C8 -> r.dacWriteIndex;
            case 0x3C9 -> readDac();
            case 0x3CA -> r.featureControl;
            case 0x3CC -> r.misc;
            case 0x3CE -> r.gcIndex;
            case 0x3CF -> r.gcIndex < GC_COUNT ? r.gc[r.gcIndex] : 0xFF;
            default -> 0xFF;
        };
    }

    private void writePort(int port, int value) {
        if (crtcPort(port, 0x3D4, 0x3B4)) {
            r.crtcIndex = value & 0x3F;
        } else if (crtcPort(port, 0x3D5, 0x3B5)) {
            writeCrtc(value);
        } else if (crtcPort(port, 0x3DA, 0x3BA)) {
            r.featureControl = value;
        } else {
            switch (port) {
                case 0x3C0 -> writeAttribute(value);
                case 0x3C2 -> r.misc = value;
                case 0x3C4 -> r.seqIndex = value & 0x07;
                case 0x3C5 -> {
                    if (r.seqIndex < SEQ_COUNT) {
                        r.seq[r.seqIndex] = value;
                    }
                }
                case 0x3C6 -> r.dacMask = value;
                case 0x3C7 -> {
                    r.dacReadIndex = value;
                    r.dacComponent = 0;
                    r.dacReading = true;
                }
                case 0x3C8 -> {
                    r.dacWriteIndex = value;
                    r.dacComponent = 0;
                    r.dacReading = false;
                }
                case 0x3C9 -> writeDac(value);
                case 0x3CE -> r.gcIndex = value & 0x0F;
                case 0x3CF -> {
                    if (r.gcIndex < GC_COUNT) {
                        r.gc[r.gcIndex] = value;
                    }
                }
                default -> { }
            }
        }
    }

    /** CR0-CR7 are write-protected while CR11 bit 7 is set, except CR7's line-compare bit 4. */
    private void writeCrtc(int value) {
        int index = r.crtcIndex;
        if (index >= CRTC_COUNT) {
            return;
        }
        if ((r.crtc[CRTC_VERTICAL_RETRACE_END] & PROTECT) != 0 && index <= 7) {
            if (index == 7) {
                r.crtc[7] = r.crtc[7] & ~0x10 | value & 0x10;
            }
            return;
        }
        r.crtc[index] = value;
    }

    /** The attribute controller's port alternates between index and data; reading input status 1 resets it to index. */
    private void writeAttribute(int value) {
        if (!r.attrFlipFlopData) {
            r.attrIndex = value & (0x1F | ATTR_ADDRESS_PAS);
        } else if ((r.attrIndex & 0x1F) < ATTR_COUNT) {
            r.attr[r.attrIndex & 0x1F] = value;
        }
        r.attrFlipFlopData = !r.attrFlipFlopData;
    }

    /** Bits 0 (display disabled) and 3 (vertical retrace) toggle, so a loop waiting for either edge ends. */
    private int inputStatus1() {
        r.attrFlipFlopData = false;
        r.retraceToggle ^= 0x09;
        return r.retraceToggle;
    }

    private int readDac() {
        int value = r.dac[r.dacReadIndex * 3 + r.dacComponent];
        if (++r.dacComponent == 3) {
            r.dacComponent = 0;
            r.dacReadIndex = (r.dacReadIndex + 1) & 0xFF;
        }
        return value;
    }

    private void writeDac(int value) {
        r.dac[r.dacWriteIndex * 3 + r.dacComponent] = value & 0x3F;
        if (++r.dacComponent == 3) {
            r.dacComponent = 0;
            r.dacWriteIndex = (r.dacWriteIndex + 1) & 0xFF;
        }
    }

    // ---- memory window ---------------------------------------------------------------------------

    @Override
    public synchronized long read(long offset, int size) {
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (long) memory.read((int) offset + i) << (8 * i);
        }
        return value;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            memory.write((int) offset + i, (int) (value >>> (8 * i)) & 0xFF);
        }
        generation++;
    }

    // ---- what the screen shows ---------------------------------------------------------------------

    /** The text screen as the CRT controller scans it out now; {@link TextScreen#BLANK}'s kind in graphics modes. */
    public synchronized TextScreen textScreen() {
        if (!r.textMode() || r.crtc[VgaRegisters.CRTC_OFFSET] == 0) {
            return TextScreen.BLANK;
        }
        int columns = Math.min(r.columns(), 132);
        int rows = Math.min(r.scanLines() / r.characterHeight(), 60);
        byte[] chars = new byte[columns * rows];
        byte[] attrs = new byte[columns * rows];
        int start = r.startAddress();
        for (int row = 0; row < rows; row++) {
            for (int col = 0; col < columns; col++) {
                // Word mode: the address counter's value times two is the plane offset.
                int at = ((start + row * r.rowStride() + col) * 2) & 0xFFFF;
                chars[row * columns + col] = memory.planes[0][at];
                attrs[row * columns + col] = memory.planes[1][at];
            }
        }
        int cursor = r.cursorAddress() - start;
        int cursorRow = cursor >= 0 && r.rowStride() > 0 ? cursor / r.rowStride() : -1;
        int cursorColumn = cursor >= 0 && r.rowStride() > 0 ? cursor % r.rowStride() : -1;
        boolean visible = r.cursorVisible() && cursorRow >= 0 && cursorRow < rows && cursorColumn < columns;
        return new TextScreen(columns, rows, chars, attrs, Math.max(cursorRow, 0), Math.max(cursorColumn, 0),
                visible, true);
    }

    /** The DAC's colour for palette entry {@code index} of the attribute controller, as 0xRRGGBB. */
    public synchronized int color(int index) {
        int entry = r.attr[index & 0x0F] & 0x3F;
        int red = r.dac[entry * 3] & 0x3F;
        int green = r.dac[entry * 3 + 1] & 0x3F;
        int blue = r.dac[entry * 3 + 2] & 0x3F;
        return (red * 255 / 63) << 16 | (green * 255 / 63) << 8 | blue * 255 / 63;
    }
}

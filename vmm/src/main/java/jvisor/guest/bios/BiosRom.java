package jvisor.guest.bios;

import jvisor.bus.PcLayout;

/**
 * The code of jvisor's BIOS ROM, {@link LegacyBios#CODE_BASE} up to 1 MiB (segment F000): the
 * interrupt handlers, the ones the IBM PC's BIOS placed at fixed addresses at those addresses,
 * the others packed from the start.
 */
final class BiosRom {
    /** IBM's fixed entry points (offsets in segment F000). */
    static final int INT12_ENTRY = 0xF841;
    static final int INT11_ENTRY = 0xF84D;
    static final int INT08_ENTRY = 0xFEA5;
    static final int IRET_ENTRY = 0xFF53;
    /** The model byte at F000:FFFE: 0xFC, a PC/AT (what SeaBIOS reports too). */
    static final int MODEL_OFFSET = 0xFFFE;
    static final int MODEL_AT = 0xFC;

    private static final int OCW2_EOI = 0x20;
    private static final int RTC_STATUS_C = 0x0C;

    private final byte[] image = new byte[(int) (LegacyBios.ROM_END - LegacyBios.CODE_BASE)];
    private int packed;
    private int masterHandler;
    private int slaveHandler;
    private int rtcHandler;

    private BiosRom() { }

    static BiosRom build() {
        BiosRom rom = new BiosRom();
        rom.masterHandler = rom.pack(endOfInterrupt(false));
        rom.slaveHandler = rom.pack(endOfInterrupt(true));
        rom.rtcHandler = rom.pack(rtcInterrupt());
        rom.place(INT08_ENTRY, timerInterrupt());
        rom.place(INT11_ENTRY, dataAreaWord(LegacyBios.BDA_EQUIPMENT));
        rom.place(INT12_ENTRY, dataAreaWord(LegacyBios.BDA_BASE_MEMORY_KIB));
        rom.place(IRET_ENTRY, new byte[] {(byte) 0xCF});
        rom.place(MODEL_OFFSET, new byte[] {(byte) MODEL_AT});
        return rom;
    }

    long base() {
        return LegacyBios.CODE_BASE;
    }

    byte[] bytes() {
        return image.clone();
    }

    /** The offset in segment F000 of the handler for interrupt {@code vector}. */
    int handlerOffset(int vector) {
        if (vector == LegacyBios.MASTER_VECTOR_BASE) {
            return INT08_ENTRY;
        }
        if (vector > LegacyBios.MASTER_VECTOR_BASE && vector < LegacyBios.MASTER_VECTOR_BASE + 8) {
            return masterHandler;
        }
        if (vector == LegacyBios.SLAVE_VECTOR_BASE) {
            return rtcHandler;
        }
        if (vector > LegacyBios.SLAVE_VECTOR_BASE && vector < LegacyBios.SLAVE_VECTOR_BASE + 8) {
            return slaveHandler;
        }
        return switch (vector) {
            case 0x11 -> INT11_ENTRY;
            case 0x12 -> INT12_ENTRY;
            default -> IRET_ENTRY;
        };
    }

    private int pack(byte[] code) {
        int offset = segmentOffset(LegacyBios.CODE_BASE + packed);
        place(offset, code);
        packed += code.length;
        return offset;
    }

    private void place(int offset, byte[] code) {
        int at = (int) (LegacyBios.ROM_BASE + offset - LegacyBios.CODE_BASE);
        for (int i = 0; i < code.length; i++) {
            if (image[at + i] != 0) {
                throw new IllegalStateException(String.format("BIOS code overlaps at F000:%04X", offset + i));
            }
        }
        System.arraycopy(code, 0, image, at, code.length);
    }

    private static int segmentOffset(long address) {
        return (int) (address - LegacyBios.ROM_BASE);
    }

    /** A hardware interrupt nobody handles: end it at the PIC(s) that raised it. */
    private static byte[] endOfInterrupt(boolean slave) {
        MachineCode c = new MachineCode().pushAx().movAl(OCW2_EOI);
        if (slave) {
            c.outAl(PcLayout.PIC_SLAVE);
        }
        return c.outAl(PcLayout.PIC_MASTER).popAx().iret().bytes();
    }

    /** INT 70h, IRQ 8: reading RTC status register C acknowledges the RTC's interrupt. */
    private static byte[] rtcInterrupt() {
        return new MachineCode().pushAx().movAl(RTC_STATUS_C).outAl(PcLayout.CMOS).inAl(PcLayout.CMOS + 1)
                .movAl(OCW2_EOI).outAl(PcLayout.PIC_SLAVE).outAl(PcLayout.PIC_MASTER).popAx().iret().bytes();
    }

    /**
     * INT 08h, IRQ 0: one more tick since midnight in the data area (a day's worth wraps to 0
     * and sets the midnight flag), then INT 1Ch for programs that hook the tick, then the EOI.
     */
    private static byte[] timerInterrupt() {
        MachineCode c = new MachineCode();
        MachineCode.Label midnight = new MachineCode.Label();
        MachineCode.Label counted = new MachineCode.Label();
        int low = LegacyBios.BDA_TICKS;
        int high = LegacyBios.BDA_TICKS + 2;
        c.pushAx().pushDs().movAx16((int) (PcLayout.BDA >>> 4)).movDsAx();
        c.addWord16(low, 1).adcWord16(high, 0);
        c.cmpWord16(high, (int) (LegacyBios.TICKS_PER_DAY >>> 16)).jb(counted).ja(midnight);
        c.cmpWord16(low, (int) (LegacyBios.TICKS_PER_DAY & 0xFFFF)).jb(counted);
        c.bind(midnight).storeWord16(low, 0).storeWord16(high, 0).storeByte16(LegacyBios.BDA_MIDNIGHT, 1);
        c.bind(counted).interrupt(0x1C);
        c.movAl(OCW2_EOI).outAl(PcLayout.PIC_MASTER).popDs().popAx().iret();
        return c.bytes();
    }

    /** INT 11h and 12h: AX = a word of the data area. */
    private static byte[] dataAreaWord(int bdaOffset) {
        return new MachineCode().pushDs().movAx16((int) (PcLayout.BDA >>> 4)).movDsAx()
                .loadAx16(bdaOffset).popDs().iret().bytes();
    }
}

package jvisor.engine.emu.platform;

/** The xAPIC register page's offsets and the bits of its registers and of IA32_APIC_BASE (SDM 10.4-10.6). */
final class ApicRegisters {
    private ApicRegisters() { }

    static final int REG_ID = 0x20;
    static final int REG_VERSION = 0x30;
    static final int REG_TPR = 0x80;
    static final int REG_APR = 0x90;
    static final int REG_PPR = 0xA0;
    static final int REG_EOI = 0xB0;
    static final int REG_RRD = 0xC0;
    static final int REG_LDR = 0xD0;
    static final int REG_DFR = 0xE0;
    static final int REG_SVR = 0xF0;
    static final int REG_ISR = 0x100;
    static final int REG_TMR = 0x180;
    static final int REG_IRR = 0x200;
    static final int REG_ESR = 0x280;
    static final int REG_ICR_LOW = 0x300;
    static final int REG_ICR_HIGH = 0x310;
    static final int REG_LVT_TIMER = 0x320;
    static final int REG_LVT_LINT0 = 0x350;
    static final int REG_LVT_LINT1 = 0x360;
    static final int REG_LVT_ERROR = 0x370;
    static final int REG_TIMER_INITIAL = 0x380;
    static final int REG_TIMER_CURRENT = 0x390;
    static final int REG_TIMER_DIVIDE = 0x3E0;

    static final int LVT_MASKED = 1 << 16;
    static final int SVR_ENABLE = 1 << 8;
    static final int ESR_SEND_ILLEGAL_VECTOR = 1 << 5;
    static final int ESR_RECEIVE_ILLEGAL_VECTOR = 1 << 6;
    static final int ESR_ILLEGAL_REGISTER = 1 << 7;

    static final long BASE_BSP = 1L << 8;
    static final long BASE_X2APIC = 1L << 10;
    static final long BASE_ENABLE = 1L << 11;
    static final long BASE_ADDRESS = 0x000F_FFFF_FFFF_F000L;
}

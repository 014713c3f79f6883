package jvisor.engine.emu.platform;

import static jvisor.engine.emu.platform.ApicRegisters.*;

/**
 * The x2APIC's MSR map (SDM 10.12.1.2): MSR 0x800 + n is the xAPIC register at offset n << 4,
 * except that some registers are gone (APR, RRD, DFR, the ICR's high half), the ICR is one 64-bit
 * MSR, SELF IPI is new, and ID and LDR become read-only. Any other MSR in the range is a #GP.
 */
final class X2apicMsrs {
    static final int FIRST = 0x800;
    /** The SELF IPI register's xAPIC-style offset (MSR 0x83F); write-only. */
    static final int SELF_IPI = 0x3F0;

    private X2apicMsrs() { }

    /** The register's offset in the xAPIC page's numbering. */
    static int register(int msr) {
        return (msr - FIRST) << 4;
    }

    static boolean readable(int msr) {
        int r = register(msr);
        return switch (r) {
            case REG_ID, REG_VERSION, REG_TPR, REG_PPR, REG_LDR, REG_SVR, REG_ESR, REG_ICR_LOW,
                 REG_TIMER_INITIAL, REG_TIMER_CURRENT, REG_TIMER_DIVIDE -> true;
            default -> inBanks(r) || isLvt(r);
        };
    }

    static boolean writable(int msr) {
        int r = register(msr);
        return switch (r) {
            case REG_TPR, REG_EOI, REG_SVR, REG_ESR, REG_ICR_LOW, REG_TIMER_INITIAL, REG_TIMER_DIVIDE, SELF_IPI -> true;
            default -> isLvt(r);
        };
    }

    private static boolean inBanks(int r) {
        return r >= REG_ISR && r < REG_IRR + 0x80; // ISR, TMR, IRR: eight registers each, read-only
    }

    private static boolean isLvt(int r) {
        return r >= REG_LVT_TIMER && r <= REG_LVT_ERROR;
    }
}

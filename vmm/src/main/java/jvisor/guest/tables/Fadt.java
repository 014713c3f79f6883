package jvisor.guest.tables;

import jvisor.bus.PcLayout;

/**
 * The Fixed ACPI Description Table ("FACP"), revision 3 (ACPI 2.0, 244 bytes): where the PIIX4-style
 * power-management registers are, the SCI line, the reset register, and the FACS and DSDT. ACPI is
 * always enabled (SMI_CMD = 0), so the OS never has to switch it on.
 *
 * <p>TMR_VAL_EXT stays clear: a 24-bit timer claim is right for a 24-bit or a 32-bit PM timer
 * device (the OS masks to 24 bits), while a 32-bit claim would break wrap-around on a 24-bit one.
 */
public final class Fadt {
    public static final String SIGNATURE = "FACP";
    public static final int REVISION = 3;
    public static final int LENGTH = 244;
    /** The CMOS register holding the century, as QEMU's FADT gives it. */
    static final int CMOS_CENTURY = 0x32;

    /** Field offsets the tests and later fw_cfg code read. */
    public static final int FIRMWARE_CTRL = 36;
    public static final int DSDT = 40;
    public static final int SCI_INT = 46;
    public static final int SMI_CMD = 48;
    public static final int PM1A_EVT_BLK = 56;
    public static final int PM1A_CNT_BLK = 64;
    public static final int PM_TMR_BLK = 76;
    public static final int GPE0_BLK = 80;
    public static final int PM1_EVT_LEN = 88;
    public static final int PM1_CNT_LEN = 89;
    public static final int PM_TMR_LEN = 91;
    public static final int GPE0_BLK_LEN = 92;
    public static final int IAPC_BOOT_ARCH = 109;
    public static final int FLAGS = 112;
    public static final int RESET_REG = 116;
    public static final int RESET_VALUE = 128;
    public static final int X_FIRMWARE_CTRL = 132;
    public static final int X_DSDT = 140;
    public static final int X_PM1A_EVT_BLK = 148;
    public static final int X_PM1A_CNT_BLK = 172;
    public static final int X_PM_TMR_BLK = 208;
    public static final int X_GPE0_BLK = 220;

    public static final int FLAG_WBINVD = 1;
    public static final int FLAG_PROC_C1 = 1 << 2;
    public static final int FLAG_SLP_BUTTON = 1 << 5;
    public static final int FLAG_TMR_VAL_EXT = 1 << 8;
    public static final int FLAG_RESET_REG_SUP = 1 << 10;
    public static final int BOOT_ARCH_LEGACY_DEVICES = 1;
    public static final int BOOT_ARCH_8042 = 1 << 1;

    public static final int PM1_EVT_LENGTH = 4;
    public static final int PM1_CNT_LENGTH = 2;
    public static final int PM_TMR_LENGTH = 4;
    public static final int RESET_COMMAND = 0x06;
    /** C2/C3 latencies above 100 and 1000 microseconds mean "not supported". */
    private static final int NO_C2 = 0xFFF;
    private static final int NO_C3 = 0xFFF;

    private Fadt() { }

    public static byte[] build(long facs, long dsdt) {
        return AcpiTable.build(SIGNATURE, REVISION, w -> {
            w.u32(facs).u32(dsdt).u8(0).u8(0).u16(PcLayout.IRQ_SCI).u32(0);
            w.u8(0).u8(0).u8(0).u8(0);                          // ACPI_ENABLE/DISABLE, S4BIOS_REQ, PSTATE_CNT
            w.u32(PcLayout.ACPI_PM1A_EVT).u32(0).u32(PcLayout.ACPI_PM1A_CNT).u32(0).u32(0);
            w.u32(PcLayout.ACPI_PM_TMR).u32(PcLayout.ACPI_GPE0).u32(0);
            w.u8(PM1_EVT_LENGTH).u8(PM1_CNT_LENGTH).u8(0).u8(PM_TMR_LENGTH).u8(PcLayout.ACPI_GPE0_LENGTH).u8(0);
            w.u8(0).u8(0);                                      // GPE1_BASE, CST_CNT
            w.u16(NO_C2).u16(NO_C3).u16(0).u16(0);              // P_LVL2/3_LAT, FLUSH_SIZE/STRIDE
            w.u8(0).u8(0).u8(0).u8(0).u8(CMOS_CENTURY);         // DUTY_OFFSET/WIDTH, DAY/MON_ALRM, CENTURY
            w.u16(BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042).u8(0);
            w.u32(FLAG_WBINVD | FLAG_PROC_C1 | FLAG_SLP_BUTTON | FLAG_RESET_REG_SUP);
            GenericAddress.io(PcLayout.RESET_CONTROL, 1, GenericAddress.ACCESS_BYTE).writeTo(w);
            w.u8(RESET_COMMAND).zeros(3);
            w.u64(facs).u64(dsdt);
            GenericAddress.io(PcLayout.ACPI_PM1A_EVT, PM1_EVT_LENGTH, GenericAddress.ACCESS_UNDEFINED).writeTo(w);
            GenericAddress.NONE.writeTo(w);
            GenericAddress.io(PcLayout.ACPI_PM1A_CNT, PM1_CNT_LENGTH, GenericAddress.ACCESS_UNDEFINED).writeTo(w);
            GenericAddress.NONE.writeTo(w);
            GenericAddress.NONE.writeTo(w);                    // PM2_CNT
            GenericAddress.io(PcLayout.ACPI_PM_TMR, PM_TMR_LENGTH, GenericAddress.ACCESS_UNDEFINED).writeTo(w);
            GenericAddress.io(PcLayout.ACPI_GPE0, PcLayout.ACPI_GPE0_LENGTH, GenericAddress.ACCESS_UNDEFINED)
                    .writeTo(w);
            GenericAddress.NONE.writeTo(w);                    // GPE1
        });
    }
}

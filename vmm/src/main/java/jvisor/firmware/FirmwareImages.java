package jvisor.firmware;

/**
 * The ROM images of a firmware boot: the system BIOS mapped below 4 GiB, and the VGA BIOS that
 * the system BIOS finds through fw_cfg ({@code vgaroms/}) and runs as an option ROM (null: none,
 * the BIOS then has no screen but its serial console).
 */
public record FirmwareImages(String biosName, byte[] bios, byte[] vgaBios) {
    public static final int MIN_ROM = 0x2_0000;
    public static final int MAX_ROM = 16 << 20;

    public FirmwareImages {
        if (bios.length < MIN_ROM || bios.length > MAX_ROM || (bios.length & 0xFFFF) != 0) {
            throw new jvisor.boot.BadInputException(biosName + " is not a BIOS ROM image: it must be 128 KiB to "
                    + "16 MiB in whole 64 KiB blocks (" + bios.length + " bytes)");
        }
    }
}

package jvisor.engine.emu.platform;

/**
 * An interrupt message on the APIC bus: an IPI from a local APIC's ICR or a redirected interrupt
 * from the IOAPIC.
 *
 * @param logical     destination mode: logical (LDR/DFR matching) rather than physical (APIC ID)
 * @param destination the destination field: 8 bits, or 32 from an x2APIC's ICR ({@code wide}); ignored with a shorthand
 * @param level       trigger mode: level rather than edge
 * @param deassert    an INIT level de-assert (ICR level bit clear with level trigger), which
 *                    modern processors ignore
 * @param wide        the destination is an x2APIC one (32 bits, 0xFFFFFFFF broadcast)
 */
record ApicMessage(DeliveryMode mode, int vector, boolean logical, int destination, boolean level,
                   boolean deassert, Shorthand shorthand, boolean wide) {

    /** The ICR's destination shorthand (bits 19:18). */
    enum Shorthand { NONE, SELF, ALL_INCLUDING_SELF, ALL_EXCLUDING_SELF }

    ApicMessage {
        vector &= 0xFF;
        if (!wide) {
            destination &= 0xFF;
        }
    }

    /** A message with an 8-bit (xAPIC) destination. */
    ApicMessage(DeliveryMode mode, int vector, boolean logical, int destination, boolean level, boolean deassert,
                Shorthand shorthand) {
        this(mode, vector, logical, destination, level, deassert, shorthand, false);
    }

    /** A message as the IOAPIC sends it from a redirection entry. */
    static ApicMessage fromIoApic(DeliveryMode mode, int vector, boolean logical, int destination, boolean level) {
        return new ApicMessage(mode, vector, logical, destination, level, false, Shorthand.NONE);
    }

    /**
     * The message an MSI write carries (SDM 10.11): destination ID in address bits 19:12, logical
     * destination mode in bit 2; vector, delivery mode and trigger mode in the data. Null for a
     * write outside the 0xFEExxxxx window, which no local APIC decodes.
     */
    static ApicMessage fromMsi(long address, int data) {
        if ((address & 0xFFFF_FFFF_FFF0_0000L) != 0xFEE0_0000L) {
            return null;
        }
        DeliveryMode mode = DeliveryMode.decode(data >>> 8);
        boolean level = (data & (1 << 15)) != 0;
        return new ApicMessage(mode, data, (address & 0x4) != 0, (int) (address >>> 12), level, false,
                Shorthand.NONE);
    }
}

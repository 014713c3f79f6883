package jvisor.engine.emu.platform;

/**
 * An interrupt message on the APIC bus: an IPI from a local APIC's ICR or a redirected interrupt
 * from the IOAPIC.
 *
 * @param logical     destination mode: logical (LDR/DFR matching) rather than physical (APIC ID)
 * @param destination the 8-bit destination field; ignored with a shorthand
 * @param level       trigger mode: level rather than edge
 * @param deassert    an INIT level de-assert (ICR level bit clear with level trigger), which
 *                    modern processors ignore
 */
record ApicMessage(DeliveryMode mode, int vector, boolean logical, int destination, boolean level,
                   boolean deassert, Shorthand shorthand) {

    /** The ICR's destination shorthand (bits 19:18). */
    enum Shorthand { NONE, SELF, ALL_INCLUDING_SELF, ALL_EXCLUDING_SELF }

    ApicMessage {
        vector &= 0xFF;
        destination &= 0xFF;
    }

    /** A message as the IOAPIC sends it from a redirection entry. */
    static ApicMessage fromIoApic(DeliveryMode mode, int vector, boolean logical, int destination, boolean level) {
        return new ApicMessage(mode, vector, logical, destination, level, false, Shorthand.NONE);
    }
}

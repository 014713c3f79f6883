package jvisor.guest.tables;

import jvisor.bus.PcLayout;

/**
 * The PCI Express memory-mapped configuration table ("MCFG", PCI Firmware Specification 3.2,
 * 4.1.2): where the ECAM window of segment 0 lies and which buses it covers, so the OS reaches
 * the 4 KiB configuration space of every function.
 */
public final class Mcfg {
    public static final String SIGNATURE = "MCFG";
    public static final int REVISION = 1;

    private Mcfg() { }

    public static byte[] build() {
        return AcpiTable.build(SIGNATURE, REVISION, w -> w.zeros(8)
                .u64(PcLayout.PCI_ECAM_BASE).u16(0).u8(0).u8(PcLayout.PCI_ECAM_BUSES - 1).u32(0));
    }
}

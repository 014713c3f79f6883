package jvisor.boot;

import java.util.Locale;

/**
 * {@code --device NAME[,PROPERTY=VALUE...]}: devices modelled on QEMU's of the same name that test
 * suites written for QEMU ask for.
 */
public sealed interface ModelDevice {
    /** QEMU's educational PCI device (1234:11e8): registers, DMA and MSI/INTx for drivers to learn on. */
    record Edu() implements ModelDevice { }

    /**
     * An Intel VT-d IOMMU at 0xfed90000 (Q35's address) remapping every PCI function's DMA, and,
     * with {@code interruptRemapping}, MSIs and the IOAPIC's interrupts (xAPIC mode: eim=off).
     */
    record IntelIommu(boolean interruptRemapping) implements ModelDevice { }

    static ModelDevice parse(String value) {
        String[] parts = value.split(",");
        String name = parts[0].trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "edu" -> {
                if (parts.length > 1) {
                    throw new BadInputException("--device edu takes no properties, not '" + parts[1] + "'");
                }
                yield new Edu();
            }
            case "intel-iommu" -> {
                boolean remap = false;
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].trim().toLowerCase(Locale.ROOT);
                    switch (p) {
                        case "intremap=on" -> remap = true;
                        case "intremap=off" -> remap = false;
                        case "eim=off" -> { }
                        default -> throw new BadInputException("--device intel-iommu: '" + parts[i]
                                + "' is not supported; use intremap=on|off (and eim=off)");
                    }
                }
                yield new IntelIommu(remap);
            }
            default -> throw new BadInputException("--device '" + value + "': use edu or intel-iommu[,intremap=on]");
        };
    }
}

package jvisor.devices.iommu;

import jvisor.bus.InterruptRemapper;
import jvisor.engine.GuestMemory;

/**
 * Interrupt remapping in xAPIC mode (VT-d 5.1): a remappable-format message (address bit 4)
 * names an entry of the guest's interrupt remapping table by its handle (address bits 19-5 and
 * 2, plus the data's sub-handle when address bit 3 says so); the entry gives vector, delivery,
 * trigger and destination modes and the APIC ID, after checking who sent the message.
 */
final class InterruptRemapTable {
    static final long FORMAT_REMAPPABLE = 1 << 4;
    private static final long SUBHANDLE_VALID = 1 << 3;
    /** IRTE low quadword reserved bits in xAPIC mode: 14-12, 31-24, 39-32, 63-48. */
    private static final long LOW_RESERVED = 0xFFFF_00FF_FF00_7000L;
    private static final long POSTED = 1 << 15;

    private final GuestMemory ram;

    InterruptRemapTable(GuestMemory ram) {
        this.ram = ram;
    }

    /** The handle the message names, which fault records report as the interrupt index. */
    static int index(long address, int data) {
        int handle = (int) (address >>> 5 & 0x7FFF) | (int) (address >>> 2 & 1) << 15;
        return (address & SUBHANDLE_VALID) != 0 ? handle + (data & 0xFFFF) : handle;
    }

    /**
     * The compatibility-format message for remappable {@code address}/{@code data} from
     * {@code requester} ({@link InterruptRemapper#UNKNOWN_REQUESTER}: no check), through the table
     * whose address register (IRTA) reads {@code irta}.
     */
    InterruptRemapper.MsiMessage remap(long irta, int requester, long address, int data) throws VtdFault {
        if (address >>> 32 != 0 || (address & 3) != 0) {
            throw new VtdFault(VtdFault.REMAP_REQUEST_RESERVED, false);
        }
        int index = index(address, data);
        if (index >= 1 << ((irta & 0xF) + 1)) {
            throw new VtdFault(VtdFault.REMAP_INDEX_BEYOND_TABLE, false);
        }
        long entry = (irta & SecondLevelTranslation.ADDRESS_BITS) + index * 16L;
        if (!ram.isRam(entry, 16)) {
            throw new VtdFault(VtdFault.REMAP_TABLE_ACCESS, false);
        }
        long low = ram.read64(entry);
        long high = ram.read64(entry + 8);
        boolean quiet = (low & 2) != 0;
        if ((low & 1) == 0) {
            throw new VtdFault(VtdFault.REMAP_ENTRY_NOT_PRESENT, quiet);
        }
        int validation = (int) (high >>> 18) & 3;
        if ((low & (LOW_RESERVED | POSTED)) != 0 || high >>> 20 != 0 || validation == 3) {
            throw new VtdFault(VtdFault.REMAP_ENTRY_RESERVED, quiet);
        }
        if (requester != InterruptRemapper.UNKNOWN_REQUESTER && !sourceMatches(requester, high, validation)) {
            throw new VtdFault(VtdFault.SOURCE_ID_MISMATCH, quiet);
        }
        long destination = low >>> 40 & 0xFF;
        long compatible = 0xFEE0_0000L | destination << 12 | (low & 8) | (low & 4);
        int vector = (int) (low >>> 16) & 0xFF;
        int deliveryMode = (int) (low >>> 5) & 7;
        boolean level = (low & 0x10) != 0;
        return new InterruptRemapper.MsiMessage(compatible, vector | deliveryMode << 8 | (level ? 3 << 14 : 0));
    }

    /** The entry's source validation (SVT): none, the requester ID under the SQ mask, or a bus range. */
    private static boolean sourceMatches(int requester, long high, int validation) {
        int sid = (int) high & 0xFFFF;
        return switch (validation) {
            case 1 -> {
                int ignored = switch ((int) (high >>> 16) & 3) {
                    case 0 -> 0;
                    case 1 -> 0b100;
                    case 2 -> 0b110;
                    default -> 0b111;
                };
                yield (requester & ~ignored) == (sid & ~ignored);
            }
            case 2 -> {
                int bus = requester >>> 8 & 0xFF;
                yield bus >= sid >>> 8 && bus <= (sid & 0xFF);
            }
            default -> true;
        };
    }
}

package jvisor.devices.iommu;

/**
 * A request the VT-d unit refused, with the fault reason its fault recording register reports
 * (VT-d specification, chapter 7). Thrown only between the unit's own classes, without a stack trace.
 */
final class VtdFault extends Exception {
    static final int ROOT_NOT_PRESENT = 0x1;
    static final int CONTEXT_NOT_PRESENT = 0x2;
    static final int CONTEXT_INVALID = 0x3;
    static final int ADDRESS_BEYOND_WIDTH = 0x4;
    static final int WRITE_DENIED = 0x5;
    static final int READ_DENIED = 0x6;
    static final int PAGING_ENTRY_ACCESS = 0x7;
    static final int ROOT_TABLE_ACCESS = 0x8;
    static final int CONTEXT_TABLE_ACCESS = 0x9;
    static final int ROOT_RESERVED = 0xA;
    static final int CONTEXT_RESERVED = 0xB;
    static final int PAGING_ENTRY_RESERVED = 0xC;
    static final int REMAP_REQUEST_RESERVED = 0x20;
    static final int REMAP_INDEX_BEYOND_TABLE = 0x21;
    static final int REMAP_ENTRY_NOT_PRESENT = 0x22;
    static final int REMAP_TABLE_ACCESS = 0x23;
    static final int REMAP_ENTRY_RESERVED = 0x24;
    static final int COMPATIBILITY_BLOCKED = 0x25;
    static final int SOURCE_ID_MISMATCH = 0x26;

    private final int reason;
    /** Whether the entry that caused it asked for its faults not to be recorded (FPD). */
    private final boolean recordingDisabled;

    VtdFault(int reason, boolean recordingDisabled) {
        super("VT-d fault reason " + Integer.toHexString(reason), null, false, false);
        this.reason = reason;
        this.recordingDisabled = recordingDisabled;
    }

    int reason() {
        return reason;
    }

    boolean recordingDisabled() {
        return recordingDisabled;
    }
}

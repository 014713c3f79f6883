package jvisor.devices.iommu;

import jvisor.bus.InterruptRemapper;
import jvisor.bus.MmioHandler;
import jvisor.bus.MsiSink;
import jvisor.devices.DeviceLog;
import jvisor.devices.pci.DmaRemapper;
import jvisor.engine.GuestMemory;

/**
 * An Intel VT-d remapping unit (VT-d specification 10.4) for every PCI function, at Q35's address
 * 0xfed90000: version 1.0, 39- and 48-bit second-level tables with 2 MiB and 1 GiB pages,
 * pass-through contexts, register-based and queued invalidation, interrupt remapping in xAPIC mode
 * (no EIM, no posted interrupts), one fault recording register. It caches no translation, so an
 * invalidation has nothing to drop and completes at once. A request it refuses is recorded in the
 * fault recording register (unless the entry set Fault Processing Disable) and blocked; nothing
 * the guest writes makes it throw.
 */
public final class IntelIommu implements MmioHandler, DmaRemapper, InterruptRemapper {
    public static final long BASE = 0xFED9_0000L;
    public static final long SIZE = 0x1000;
    static final int ADDRESS_WIDTH = 48;
    static final int CAP_SAGAW_SHIFT = 8;
    static final int CAP_SLLPS_SHIFT = 34;

    static final int VERSION = 0x10;
    static final int REG_VERSION = 0x00;
    static final int REG_CAPABILITY = 0x08;
    static final int REG_EXTENDED_CAPABILITY = 0x10;
    static final int REG_GLOBAL_COMMAND = 0x18;
    static final int REG_GLOBAL_STATUS = 0x1C;
    static final int REG_ROOT_TABLE = 0x20;
    static final int REG_CONTEXT_COMMAND = 0x28;
    static final int REG_FAULT_STATUS = 0x34;
    static final int REG_FAULT_CONTROL = 0x38;
    static final int REG_FAULT_DATA = 0x3C;
    static final int REG_FAULT_ADDRESS = 0x40;
    static final int REG_FAULT_UPPER_ADDRESS = 0x44;
    static final int REG_QUEUE_HEAD = 0x80;
    static final int REG_QUEUE_TAIL = 0x88;
    static final int REG_QUEUE_ADDRESS = 0x90;
    static final int REG_COMPLETION_STATUS = 0x9C;
    static final int REG_COMPLETION_CONTROL = 0xA0;
    static final int REG_COMPLETION_DATA = 0xA4;
    static final int REG_COMPLETION_ADDRESS = 0xA8;
    static final int REG_COMPLETION_UPPER_ADDRESS = 0xAC;
    static final int REG_REMAP_TABLE = 0xB8;
    /** IOTLB registers (invalidate address, then IOTLB invalidate) where ECAP.IRO says. */
    static final int REG_IOTLB_ADDRESS = 0x200;
    static final int REG_IOTLB = 0x208;
    /** The one fault recording register, where CAP.FRO says. */
    static final int REG_FAULT_RECORD = 0x220;

    static final int TRANSLATION = 1 << 31;
    static final int ROOT_POINTER = 1 << 30;
    static final int QUEUED_INVALIDATION = 1 << 26;
    static final int INTERRUPT_REMAPPING = 1 << 25;
    static final int REMAP_TABLE_POINTER = 1 << 24;
    static final int COMPATIBILITY_FORMAT = 1 << 23;

    static final int FAULT_OVERFLOW = 1;
    static final int FAULT_PENDING = 1 << 1;
    static final int QUEUE_ERROR = 1 << 4;
    /** The fault status bits software clears by writing ones: overflow, queue, completion and time-out errors. */
    private static final int FAULT_STATUS_CLEARABLE = 0x75;
    static final int EVENT_MASKED = 1 << 31;
    static final int EVENT_PENDING = 1 << 30;
    static final int WAIT_COMPLETED = 1;

    /** 64K domains, 39/48-bit widths, MGAW 47, FRO, 2M/1G pages, PSI with MAMV 18, read/write draining. */
    static final long CAPABILITY = 6 | 0b00110L << CAP_SAGAW_SHIFT | (ADDRESS_WIDTH - 1L) << 16
            | (long) (REG_FAULT_RECORD / 16) << 24 | 0b0011L << CAP_SLLPS_SHIFT | 1L << 39 | 18L << 48 | 3L << 54;
    /** Coherent walks, queued invalidation, pass-through, IRO and MHMV; IR is added when enabled. */
    static final long EXTENDED_CAPABILITY_BASE = 1 | 1 << 1 | 1 << 6 | (REG_IOTLB_ADDRESS / 16) << 8 | 0xFL << 20;
    static final long EXTENDED_CAPABILITY_IR = 1 << 3;

    private static final int TYPE_CONTEXT_CACHE = 1;
    private static final int TYPE_IOTLB = 2;
    private static final int TYPE_INTERRUPT_CACHE = 4;
    private static final int TYPE_WAIT = 5;

    private final GuestMemory ram;
    private final MsiSink events;
    private final DeviceLog log;
    private final long extendedCapability;
    private final SecondLevelTranslation translation;
    private final InterruptRemapTable remapTable;

    private int status;
    private long rootTableRegister;
    private long rootTable;
    private long contextCommand;
    private int faultStatus;
    private int faultControl = EVENT_MASKED;
    private int faultData;
    private long faultAddress;
    private long queueHead;
    private long queueTail;
    private long queueAddress;
    private int completionStatus;
    private int completionControl = EVENT_MASKED;
    private int completionData;
    private long completionAddress;
    private long remapTableRegister;
    private long remapTableActive;
    private long iotlbAddress;
    private long iotlbCommand;
    private long faultRecordLow;
    private long faultRecordHigh;

    /**
     * A unit reading its tables from {@code ram} and sending its fault and completion events to
     * {@code events} (not remapped, as the specification says); {@code interruptRemapping}
     * offers interrupt remapping in the extended capabilities.
     */
    public IntelIommu(GuestMemory ram, MsiSink events, boolean interruptRemapping, DeviceLog log) {
        this.ram = ram;
        this.events = events;
        this.log = log;
        this.extendedCapability = EXTENDED_CAPABILITY_BASE | (interruptRemapping ? EXTENDED_CAPABILITY_IR : 0);
        this.translation = new SecondLevelTranslation(ram, CAPABILITY, true);
        this.remapTable = new InterruptRemapTable(ram);
    }

    // ---- DMA and interrupt requests ----

    @Override
    public synchronized long translate(int requester, long address, boolean write) {
        if ((status & TRANSLATION) == 0) {
            return address;
        }
        try {
            return translation.translate(rootTable, requester, address, write);
        } catch (VtdFault f) {
            if (!f.recordingDisabled()) {
                recordFault(requester, address & SecondLevelTranslation.PAGE_MASK, f.reason(), write);
            }
            return BLOCKED;
        }
    }

    @Override
    public synchronized MsiMessage remap(int requester, long address, int data) {
        if ((status & INTERRUPT_REMAPPING) == 0) {
            return new MsiMessage(address, data);
        }
        int source = requester == UNKNOWN_REQUESTER ? 0 : requester;
        if ((address & InterruptRemapTable.FORMAT_REMAPPABLE) == 0) {
            if ((status & COMPATIBILITY_FORMAT) != 0) {
                return new MsiMessage(address, data);
            }
            recordFault(source, 0, VtdFault.COMPATIBILITY_BLOCKED, true);
            return null;
        }
        try {
            return remapTable.remap(remapTableActive, requester, address, data);
        } catch (VtdFault f) {
            if (!f.recordingDisabled()) {
                recordFault(source, (long) InterruptRemapTable.index(address, data) << 48, f.reason(), true);
            }
            return null;
        }
    }

    /**
     * Fills the fault recording register, or sets overflow if it still holds an unread fault;
     * the first pending fault raises the fault event (VT-d 7.3).
     */
    private void recordFault(int requester, long info, int reason, boolean write) {
        if (faultRecordHigh < 0) {
            faultStatus |= FAULT_OVERFLOW;
            return;
        }
        faultRecordLow = info;
        faultRecordHigh = 1L << 63 | (write ? 0 : 1L << 62) | (long) reason << 32 | requester & 0xFFFF;
        log.warn("fault reason %#x from %02x:%02x.%x at %#x", reason, requester >>> 8 & 0xFF, requester >>> 3 & 0x1F,
                requester & 7, info);
        faultEvent();
    }

    private void faultEvent() {
        if ((faultControl & EVENT_MASKED) != 0) {
            faultControl |= EVENT_PENDING;
        } else {
            events.signal(faultAddress, faultData);
        }
    }

    private void completionEvent() {
        if ((completionControl & EVENT_MASKED) != 0) {
            completionControl |= EVENT_PENDING;
        } else {
            events.signal(completionAddress, completionData);
        }
    }

    // ---- registers ----

    /** 32- and 64-bit aligned accesses; a 64-bit one is its two halves, low first. */
    @Override
    public synchronized long read(long offset, int size) {
        if (size == 8 && (offset & 7) == 0) {
            return readDword((int) offset) & 0xFFFF_FFFFL | (long) readDword((int) offset + 4) << 32;
        }
        if (size != 4 || (offset & 3) != 0) {
            return MmioHandler.floating(size);
        }
        return readDword((int) offset) & 0xFFFF_FFFFL;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (size == 8 && (offset & 7) == 0) {
            writeDword((int) offset, (int) value);
            writeDword((int) offset + 4, (int) (value >>> 32));
        } else if (size == 4 && (offset & 3) == 0) {
            writeDword((int) offset, (int) value);
        }
    }

    private static int half(long register, int offset) {
        return (int) ((offset & 4) == 0 ? register : register >>> 32);
    }

    private static long withHalf(long register, int offset, int value) {
        return (offset & 4) == 0 ? register & 0xFFFF_FFFF_0000_0000L | value & 0xFFFF_FFFFL
                : register & 0xFFFF_FFFFL | (long) value << 32;
    }

    private int readDword(int offset) {
        return switch (offset & ~4) {
            case REG_VERSION -> (offset & 4) == 0 ? VERSION : 0;
            case REG_CAPABILITY -> half(CAPABILITY, offset);
            case REG_EXTENDED_CAPABILITY -> half(extendedCapability, offset);
            case REG_GLOBAL_COMMAND -> (offset & 4) == 0 ? 0 : status;
            case REG_ROOT_TABLE -> half(rootTableRegister, offset);
            case REG_CONTEXT_COMMAND -> half(contextCommand, offset);
            case REG_FAULT_STATUS & ~4 -> (offset & 4) == 0 ? 0 : faultStatus();
            case REG_FAULT_CONTROL -> (offset & 4) == 0 ? faultControl : faultData;
            case REG_FAULT_ADDRESS -> half(faultAddress, offset);
            case REG_QUEUE_HEAD -> half(queueHead << 4, offset);
            case REG_QUEUE_TAIL -> half(queueTail << 4, offset);
            case REG_QUEUE_ADDRESS -> half(queueAddress, offset);
            case REG_COMPLETION_STATUS & ~4 -> (offset & 4) == 0 ? 0 : completionStatus;
            case REG_COMPLETION_CONTROL -> (offset & 4) == 0 ? completionControl : completionData;
            case REG_COMPLETION_ADDRESS -> half(completionAddress, offset);
            case REG_REMAP_TABLE -> half(remapTableRegister, offset);
            case REG_IOTLB_ADDRESS -> half(iotlbAddress, offset);
            case REG_IOTLB -> half(iotlbCommand, offset);
            case REG_FAULT_RECORD -> half(faultRecordLow, offset);
            case REG_FAULT_RECORD + 8 -> half(faultRecordHigh, offset);
            default -> 0;
        };
    }

    /** Pending Primary Fault is the recording register's F bit, read live; the fault index is always 0. */
    private int faultStatus() {
        return faultStatus | (faultRecordHigh < 0 ? FAULT_PENDING : 0);
    }

    private void writeDword(int offset, int value) {
        switch (offset & ~4) {
            case REG_GLOBAL_COMMAND -> {
                if ((offset & 4) == 0) {
                    globalCommand(value);
                }
            }
            case REG_ROOT_TABLE -> rootTableRegister = withHalf(rootTableRegister, offset, value) & ~0x3FFL;
            case REG_CONTEXT_COMMAND -> {
                contextCommand = withHalf(contextCommand, offset, value);
                if ((offset & 4) != 0 && contextCommand < 0) {
                    long granularity = contextCommand >>> 61 & 3;
                    contextCommand = contextCommand & ~(1L << 63 | 3L << 59) | granularity << 59;
                }
            }
            case REG_FAULT_STATUS & ~4 -> {
                if ((offset & 4) != 0) {
                    faultStatus &= ~(value & FAULT_STATUS_CLEARABLE);
                    faultsCleared();
                    runQueue(); // software fixed the descriptor the queue stopped on
                }
            }
            case REG_FAULT_CONTROL -> {
                if ((offset & 4) == 0) {
                    faultControl = faultControl & ~EVENT_MASKED | value & EVENT_MASKED;
                    if ((faultControl & (EVENT_MASKED | EVENT_PENDING)) == EVENT_PENDING) {
                        faultControl &= ~EVENT_PENDING;
                        events.signal(faultAddress, faultData);
                    }
                } else {
                    faultData = value & 0xFFFF;
                }
            }
            case REG_FAULT_ADDRESS -> faultAddress = withHalf(faultAddress, offset, value) & ~3L;
            case REG_QUEUE_TAIL -> {
                if ((offset & 4) == 0) {
                    queueTail = (value >>> 4) & 0x7FFF & queueEntries() - 1;
                    runQueue();
                }
            }
            case REG_QUEUE_ADDRESS -> queueAddress = withHalf(queueAddress, offset, value) & ~0xFF8L;
            case REG_COMPLETION_STATUS & ~4 -> {
                if ((offset & 4) != 0 && (value & WAIT_COMPLETED) != 0) {
                    completionStatus = 0;
                    completionControl &= ~EVENT_PENDING;
                }
            }
            case REG_COMPLETION_CONTROL -> {
                if ((offset & 4) == 0) {
                    completionControl = completionControl & ~EVENT_MASKED | value & EVENT_MASKED;
                    if ((completionControl & (EVENT_MASKED | EVENT_PENDING)) == EVENT_PENDING) {
                        completionControl &= ~EVENT_PENDING;
                        events.signal(completionAddress, completionData);
                    }
                } else {
                    completionData = value & 0xFFFF;
                }
            }
            case REG_COMPLETION_ADDRESS -> completionAddress = withHalf(completionAddress, offset, value) & ~3L;
            case REG_REMAP_TABLE -> remapTableRegister = withHalf(remapTableRegister, offset, value) & ~0xFF0L;
            case REG_IOTLB_ADDRESS -> iotlbAddress = withHalf(iotlbAddress, offset, value) & ~0xF80L;
            case REG_IOTLB -> {
                iotlbCommand = withHalf(iotlbCommand, offset, value);
                if ((offset & 4) != 0 && iotlbCommand < 0) {
                    long granularity = iotlbCommand >>> 60 & 3;
                    iotlbCommand = iotlbCommand & ~(1L << 63 | 3L << 57) | granularity << 57;
                }
            }
            case REG_FAULT_RECORD + 8 -> {
                if ((offset & 4) != 0 && value < 0) {
                    faultRecordHigh = 0;
                    faultsCleared();
                }
            }
            default -> { }
        }
    }

    /** With no fault left pending, a fault event nobody took is withdrawn. */
    private void faultsCleared() {
        if ((faultStatus() & (FAULT_PENDING | FAULT_OVERFLOW | QUEUE_ERROR)) == 0) {
            faultControl &= ~EVENT_PENDING;
        }
    }

    /**
     * The global command register (VT-d 10.4.4): software writes the status it wants, one change at
     * a time. Root and remap-table pointers latch on every write with their bit set.
     */
    private void globalCommand(int command) {
        if ((command & ROOT_POINTER) != 0) {
            rootTable = rootTableRegister & SecondLevelTranslation.ADDRESS_BITS;
            status |= ROOT_POINTER;
        }
        if ((command & REMAP_TABLE_POINTER) != 0 && (extendedCapability & EXTENDED_CAPABILITY_IR) != 0) {
            remapTableActive = remapTableRegister;
            status |= REMAP_TABLE_POINTER;
        }
        status = follow(status, command, TRANSLATION);
        if ((extendedCapability & EXTENDED_CAPABILITY_IR) != 0) {
            status = follow(status, command, INTERRUPT_REMAPPING);
            status = follow(status, command, COMPATIBILITY_FORMAT);
        }
        boolean queueWasOn = (status & QUEUED_INVALIDATION) != 0;
        status = follow(status, command, QUEUED_INVALIDATION);
        if (!queueWasOn && (status & QUEUED_INVALIDATION) != 0) {
            queueHead = 0;
            runQueue();
        }
    }

    private static int follow(int status, int command, int bit) {
        return (status & ~bit) | (command & bit);
    }

    // ---- queued invalidation (VT-d 6.5.2) ----

    private int queueEntries() {
        return 256 << (int) (queueAddress & 7);
    }

    /** Runs descriptors from head to tail; an invalid one stops the queue with the head on it and IQE set. */
    private void runQueue() {
        if ((status & QUEUED_INVALIDATION) == 0 || (faultStatus & QUEUE_ERROR) != 0) {
            return;
        }
        long base = queueAddress & SecondLevelTranslation.ADDRESS_BITS;
        int entries = queueEntries();
        while (queueHead != queueTail) {
            long at = base + queueHead * 16;
            if (!ram.isRam(at, 16) || !execute(ram.read64(at), ram.read64(at + 8))) {
                faultStatus |= QUEUE_ERROR;
                log.warn("invalid invalidation descriptor at %#x", at);
                faultEvent();
                return;
            }
            queueHead = (queueHead + 1) % entries;
        }
    }

    private boolean execute(long low, long high) {
        return switch ((int) low & 0xF) {
            case TYPE_CONTEXT_CACHE, TYPE_IOTLB, TYPE_INTERRUPT_CACHE -> true;
            case TYPE_WAIT -> invalidationWait(low, high);
            default -> false;
        };
    }

    /** Status write (SW) and interrupt (IF) when every earlier descriptor is done, which here they are. */
    private boolean invalidationWait(long low, long high) {
        if ((low & 1 << 5) != 0) {
            long address = high & ~3L;
            if (!ram.isRam(address, 4)) {
                return false;
            }
            ram.write32(address, (int) (low >>> 32));
            ram.deviceWrote(address, 4);
        }
        if ((low & 1 << 4) != 0) {
            completionStatus = WAIT_COMPLETED;
            completionEvent();
        }
        return true;
    }
}

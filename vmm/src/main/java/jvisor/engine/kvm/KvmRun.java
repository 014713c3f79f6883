package jvisor.engine.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One vCPU's {@code struct kvm_run}, mapped from the vCPU descriptor and shared with the kernel:
 * the header jvisor writes before KVM_RUN and reads after it, and the exit union. The exit union
 * is anonymous in C; group names starting with '_' mark such anonymous members (the layout test
 * drops them from the C field path). Everything here reads the mapping in place and allocates
 * nothing.
 */
final class KvmRun {
    static final StructLayout HW = structLayout(
            JAVA_LONG.withName("hardware_exit_reason"));
    static final StructLayout FAIL_ENTRY = structLayout(
            JAVA_LONG.withName("hardware_entry_failure_reason"),
            JAVA_INT.withName("cpu"),
            paddingLayout(4));
    static final StructLayout IO = structLayout(
            JAVA_BYTE.withName("direction"),
            JAVA_BYTE.withName("size"),
            JAVA_SHORT.withName("port"),
            JAVA_INT.withName("count"),
            JAVA_LONG.withName("data_offset"));
    static final StructLayout MMIO = structLayout(
            JAVA_LONG.withName("phys_addr"),
            sequenceLayout(8, JAVA_BYTE).withName("data"),
            JAVA_INT.withName("len"),
            JAVA_BYTE.withName("is_write"),
            paddingLayout(3));
    static final int INTERNAL_DATA_WORDS = 16;
    static final StructLayout INTERNAL = structLayout(
            JAVA_INT.withName("suberror"),
            JAVA_INT.withName("ndata"),
            sequenceLayout(INTERNAL_DATA_WORDS, JAVA_LONG).withName("data"));
    /** {@code data} shares an anonymous union with {@code flags} (its first word). */
    /** {@code struct kvm_debug_exit_arch} (x86), the only member of the {@code debug} exit. */
    static final StructLayout DEBUG_EXIT_ARCH = structLayout(
            JAVA_INT.withName("exception"),
            JAVA_INT.withName("pad"),
            JAVA_LONG.withName("pc"),
            JAVA_LONG.withName("dr6"),
            JAVA_LONG.withName("dr7"));
    static final StructLayout DEBUG = structLayout(DEBUG_EXIT_ARCH.withName("arch"));
    /** {@code struct kvm_xen_exit}: only its {@code hcall} form (KVM_EXIT_XEN_HCALL) exists. */
    static final StructLayout XEN_HCALL = structLayout(
            JAVA_INT.withName("longmode"),
            JAVA_INT.withName("cpl"),
            JAVA_LONG.withName("input"),
            JAVA_LONG.withName("result"),
            sequenceLayout(6, JAVA_LONG).withName("params"));
    static final StructLayout XEN = structLayout(
            JAVA_INT.withName("type"),
            paddingLayout(4),
            unionLayout(XEN_HCALL.withName("hcall")).withName("u"));
    static final StructLayout SYSTEM_EVENT = structLayout(
            JAVA_INT.withName("type"),
            JAVA_INT.withName("ndata"),
            sequenceLayout(16, JAVA_LONG).withName("data"));

    static final StructLayout LAYOUT = structLayout(
            JAVA_BYTE.withName("request_interrupt_window"),
            JAVA_BYTE.withName("immediate_exit"),
            sequenceLayout(6, JAVA_BYTE).withName("padding1"),
            JAVA_INT.withName("exit_reason"),
            JAVA_BYTE.withName("ready_for_interrupt_injection"),
            JAVA_BYTE.withName("if_flag"),
            JAVA_SHORT.withName("flags"),
            JAVA_LONG.withName("cr8"),
            JAVA_LONG.withName("apic_base"),
            unionLayout(
                    HW.withName("hw"),
                    FAIL_ENTRY.withName("fail_entry"),
                    IO.withName("io"),
                    DEBUG.withName("debug"),
                    MMIO.withName("mmio"),
                    INTERNAL.withName("internal"),
                    SYSTEM_EVENT.withName("system_event"),
                    XEN.withName("xen"),
                    sequenceLayout(256, JAVA_BYTE).withName("padding")).withName("_exit"),
            JAVA_LONG.withName("kvm_valid_regs"),
            JAVA_LONG.withName("kvm_dirty_regs"),
            sequenceLayout(2048, JAVA_BYTE).withName("s")).withName("kvm_run");

    static final VarHandle REQUEST_INTERRUPT_WINDOW = field("request_interrupt_window");
    static final VarHandle IMMEDIATE_EXIT = field("immediate_exit");
    static final VarHandle EXIT_REASON = field("exit_reason");
    static final VarHandle READY_FOR_INTERRUPT_INJECTION = field("ready_for_interrupt_injection");
    static final VarHandle IF_FLAG = field("if_flag");
    static final VarHandle FLAGS = field("flags");
    static final VarHandle CR8 = field("cr8");
    static final VarHandle APIC_BASE = field("apic_base");
    static final VarHandle HW_EXIT_REASON = exit("hw", "hardware_exit_reason");
    static final VarHandle FAIL_ENTRY_REASON = exit("fail_entry", "hardware_entry_failure_reason");
    static final VarHandle FAIL_ENTRY_CPU = exit("fail_entry", "cpu");
    static final VarHandle IO_DIRECTION = exit("io", "direction");
    static final VarHandle IO_SIZE = exit("io", "size");
    static final VarHandle IO_PORT = exit("io", "port");
    static final VarHandle IO_COUNT = exit("io", "count");
    static final VarHandle IO_DATA_OFFSET = exit("io", "data_offset");
    static final VarHandle MMIO_PHYS_ADDR = exit("mmio", "phys_addr");
    static final VarHandle MMIO_LEN = exit("mmio", "len");
    static final VarHandle MMIO_IS_WRITE = exit("mmio", "is_write");
    static final long MMIO_DATA = LAYOUT.byteOffset(groupElement("_exit"), groupElement("mmio"), groupElement("data"));
    static final VarHandle INTERNAL_SUBERROR = exit("internal", "suberror");
    static final VarHandle INTERNAL_NDATA = exit("internal", "ndata");
    static final long INTERNAL_DATA = LAYOUT.byteOffset(groupElement("_exit"), groupElement("internal"), groupElement("data"));
    static final VarHandle SYSTEM_EVENT_TYPE = exit("system_event", "type");
    static final VarHandle SYSTEM_EVENT_NDATA = exit("system_event", "ndata");
    static final long SYSTEM_EVENT_DATA =
            LAYOUT.byteOffset(groupElement("_exit"), groupElement("system_event"), groupElement("data"));

    static final VarHandle DEBUG_EXCEPTION = debug("exception");
    static final VarHandle DEBUG_PC = debug("pc");
    static final VarHandle DEBUG_DR6 = debug("dr6");
    static final VarHandle DEBUG_DR7 = debug("dr7");
    static final VarHandle XEN_TYPE = exit("xen", "type");
    static final VarHandle XEN_HCALL_INPUT = xenHcall("input");
    static final VarHandle XEN_HCALL_CPL = xenHcall("cpl");
    static final VarHandle XEN_HCALL_RESULT = xenHcall("result");

    private final MemorySegment run;

    /** {@code mapping} is the whole vCPU mapping (KVM_GET_VCPU_MMAP_SIZE bytes; the I/O data page follows kvm_run). */
    KvmRun(MemorySegment mapping) {
        if (mapping.byteSize() < LAYOUT.byteSize()) {
            throw new IllegalArgumentException("vCPU mapping smaller than kvm_run: " + mapping.byteSize());
        }
        this.run = mapping;
    }

    MemorySegment segment() {
        return run;
    }

    int exitReason() {
        return (int) EXIT_REASON.get(run, 0L);
    }

    /** From any thread: the next KVM_RUN returns EINTR at once. Volatile so it is ordered before the kick's signal. */
    void requestImmediateExit() {
        IMMEDIATE_EXIT.setVolatile(run, 0L, (byte) 1);
    }

    void clearImmediateExit() {
        IMMEDIATE_EXIT.setVolatile(run, 0L, (byte) 0);
    }

    boolean immediateExitRequested() {
        return (byte) IMMEDIATE_EXIT.getVolatile(run, 0L) != 0;
    }

    int ioDirection() {
        return (byte) IO_DIRECTION.get(run, 0L) & 0xFF;
    }

    int ioSize() {
        return (byte) IO_SIZE.get(run, 0L) & 0xFF;
    }

    int ioPort() {
        return (short) IO_PORT.get(run, 0L) & 0xFFFF;
    }

    int ioCount() {
        return (int) IO_COUNT.get(run, 0L);
    }

    long ioDataOffset() {
        return (long) IO_DATA_OFFSET.get(run, 0L);
    }

    long mmioAddress() {
        return (long) MMIO_PHYS_ADDR.get(run, 0L);
    }

    int mmioLength() {
        return (int) MMIO_LEN.get(run, 0L);
    }

    boolean mmioIsWrite() {
        return (byte) MMIO_IS_WRITE.get(run, 0L) != 0;
    }

    long hardwareExitReason() {
        return (long) HW_EXIT_REASON.get(run, 0L);
    }

    long entryFailureReason() {
        return (long) FAIL_ENTRY_REASON.get(run, 0L);
    }

    int entryFailureCpu() {
        return (int) FAIL_ENTRY_CPU.get(run, 0L);
    }

    int internalSuberror() {
        return (int) INTERNAL_SUBERROR.get(run, 0L);
    }

    int internalDataWords() {
        return Math.min(INTERNAL_DATA_WORDS, Math.max(0, (int) INTERNAL_NDATA.get(run, 0L)));
    }

    long internalData(int i) {
        return run.get(JAVA_LONG, INTERNAL_DATA + 8L * i);
    }

    int systemEventType() {
        return (int) SYSTEM_EVENT_TYPE.get(run, 0L);
    }

    int systemEventDataWords() {
        return Math.min(16, Math.max(0, (int) SYSTEM_EVENT_NDATA.get(run, 0L)));
    }

    long systemEventData(int i) {
        return run.get(JAVA_LONG, SYSTEM_EVENT_DATA + 8L * i);
    }

    int debugException() {
        return (int) DEBUG_EXCEPTION.get(run, 0L);
    }

    long debugPc() {
        return (long) DEBUG_PC.get(run, 0L);
    }

    long debugDr6() {
        return (long) DEBUG_DR6.get(run, 0L);
    }

    long debugDr7() {
        return (long) DEBUG_DR7.get(run, 0L);
    }

    int xenType() {
        return (int) XEN_TYPE.get(run, 0L);
    }

    long xenHcallInput() {
        return (long) XEN_HCALL_INPUT.get(run, 0L);
    }

    /** What KVM writes to RAX when it completes the intercepted hypercall on the next KVM_RUN. */
    void setXenHcallResult(long value) {
        XEN_HCALL_RESULT.set(run, 0L, value);
    }

    private static VarHandle field(String name) {
        return LAYOUT.varHandle(groupElement(name));
    }

    private static VarHandle debug(String name) {
        return LAYOUT.varHandle(groupElement("_exit"), groupElement("debug"), groupElement("arch"), groupElement(name));
    }

    private static VarHandle xenHcall(String name) {
        return LAYOUT.varHandle(groupElement("_exit"), groupElement("xen"), groupElement("u"), groupElement("hcall"),
                groupElement(name));
    }

    private static VarHandle exit(String member, String name) {
        return LAYOUT.varHandle(groupElement("_exit"), groupElement(member), groupElement(name));
    }
}

package jvisor.engine.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.List;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The small KVM argument structures, laid out as in {@code linux/kvm.h} on x86-64 (native byte
 * order, which is little-endian there). Each layout is named after its C struct and each member
 * after its C field; the layout test compares every offset and size with the C compiler's.
 * A C flexible array member is a zero-length sequence; its elements are reached through the
 * element layout's handles at {@code entriesOffset + i * elementSize}.
 */
final class KvmStructs {
    private KvmStructs() { }

    /** A bare {@code __u64} argument (KVM_SET_IDENTITY_MAP_ADDR). */
    static final ValueLayout.OfLong U64 = JAVA_LONG;

    static final StructLayout USERSPACE_MEMORY_REGION = structLayout(
            JAVA_INT.withName("slot"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"),
            JAVA_LONG.withName("userspace_addr")).withName("kvm_userspace_memory_region");
    static final VarHandle REGION_SLOT = handle(USERSPACE_MEMORY_REGION, "slot");
    static final VarHandle REGION_FLAGS = handle(USERSPACE_MEMORY_REGION, "flags");
    static final VarHandle REGION_GUEST_PHYS_ADDR = handle(USERSPACE_MEMORY_REGION, "guest_phys_addr");
    static final VarHandle REGION_MEMORY_SIZE = handle(USERSPACE_MEMORY_REGION, "memory_size");
    static final VarHandle REGION_USERSPACE_ADDR = handle(USERSPACE_MEMORY_REGION, "userspace_addr");

    static final StructLayout CPUID_ENTRY2 = structLayout(
            JAVA_INT.withName("function"),
            JAVA_INT.withName("index"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("eax"),
            JAVA_INT.withName("ebx"),
            JAVA_INT.withName("ecx"),
            JAVA_INT.withName("edx"),
            sequenceLayout(3, JAVA_INT).withName("padding")).withName("kvm_cpuid_entry2");
    static final VarHandle CPUID_FUNCTION = handle(CPUID_ENTRY2, "function");
    static final VarHandle CPUID_INDEX = handle(CPUID_ENTRY2, "index");
    static final VarHandle CPUID_FLAGS = handle(CPUID_ENTRY2, "flags");
    static final VarHandle CPUID_EAX = handle(CPUID_ENTRY2, "eax");
    static final VarHandle CPUID_EBX = handle(CPUID_ENTRY2, "ebx");
    static final VarHandle CPUID_ECX = handle(CPUID_ENTRY2, "ecx");
    static final VarHandle CPUID_EDX = handle(CPUID_ENTRY2, "edx");

    static final StructLayout CPUID2 = structLayout(
            JAVA_INT.withName("nent"),
            JAVA_INT.withName("padding"),
            sequenceLayout(0, CPUID_ENTRY2).withName("entries")).withName("kvm_cpuid2");
    static final VarHandle CPUID2_NENT = handle(CPUID2, "nent");
    static final long CPUID2_ENTRIES = CPUID2.byteOffset(groupElement("entries"));

    static final StructLayout MSR_ENTRY = structLayout(
            JAVA_INT.withName("index"),
            JAVA_INT.withName("reserved"),
            JAVA_LONG.withName("data")).withName("kvm_msr_entry");
    static final VarHandle MSR_INDEX = handle(MSR_ENTRY, "index");
    static final VarHandle MSR_DATA = handle(MSR_ENTRY, "data");

    static final StructLayout MSRS = structLayout(
            JAVA_INT.withName("nmsrs"),
            JAVA_INT.withName("pad"),
            sequenceLayout(0, MSR_ENTRY).withName("entries")).withName("kvm_msrs");
    static final VarHandle MSRS_NMSRS = handle(MSRS, "nmsrs");
    static final long MSRS_ENTRIES = MSRS.byteOffset(groupElement("entries"));

    /** The local APIC's register page as KVM_GET_LAPIC/KVM_SET_LAPIC pass it (xAPIC offsets). */
    static final StructLayout LAPIC_STATE = structLayout(
            sequenceLayout(1024, JAVA_BYTE).withName("regs")).withName("kvm_lapic_state");

    static final StructLayout PIT_CONFIG = structLayout(
            JAVA_INT.withName("flags"),
            sequenceLayout(15, JAVA_INT).withName("pad")).withName("kvm_pit_config");
    static final VarHandle PIT_CONFIG_FLAGS = handle(PIT_CONFIG, "flags");

    /** One 8259's state as KVM_GET_IRQCHIP/KVM_SET_IRQCHIP pass it, inside {@link #IRQCHIP}. */
    static final StructLayout PIC_STATE = structLayout(
            JAVA_BYTE.withName("last_irr"),
            JAVA_BYTE.withName("irr"),
            JAVA_BYTE.withName("imr"),
            JAVA_BYTE.withName("isr"),
            JAVA_BYTE.withName("priority_add"),
            JAVA_BYTE.withName("irq_base"),
            JAVA_BYTE.withName("read_reg_select"),
            JAVA_BYTE.withName("poll"),
            JAVA_BYTE.withName("special_mask"),
            JAVA_BYTE.withName("init_state"),
            JAVA_BYTE.withName("auto_eoi"),
            JAVA_BYTE.withName("rotate_on_auto_eoi"),
            JAVA_BYTE.withName("special_fully_nested_mode"),
            JAVA_BYTE.withName("init4"),
            JAVA_BYTE.withName("elcr"),
            JAVA_BYTE.withName("elcr_mask")).withName("kvm_pic_state");

    static final StructLayout IRQCHIP = structLayout(
            JAVA_INT.withName("chip_id"),
            JAVA_INT.withName("pad"),
            unionLayout(sequenceLayout(512, JAVA_BYTE).withName("dummy"), PIC_STATE.withName("pic"))
                    .withName("chip")).withName("kvm_irqchip");
    static final VarHandle IRQCHIP_CHIP_ID = handle(IRQCHIP, "chip_id");
    static final long IRQCHIP_PIC = IRQCHIP.byteOffset(groupElement("chip"), groupElement("pic"));
    static final VarHandle PIC_IMR = handle(PIC_STATE, "imr");
    static final VarHandle PIC_IRQ_BASE = handle(PIC_STATE, "irq_base");
    static final VarHandle PIC_ELCR = handle(PIC_STATE, "elcr");
    static final VarHandle PIC_ELCR_MASK = handle(PIC_STATE, "elcr_mask");
    static final VarHandle PIC_INIT4 = handle(PIC_STATE, "init4");
    static final VarHandle PIC_INIT_STATE = handle(PIC_STATE, "init_state");
    static final VarHandle PIC_IRR = handle(PIC_STATE, "irr");
    static final VarHandle PIC_LAST_IRR = handle(PIC_STATE, "last_irr");

    /** One 8254 counter's state, as in {@link #PIT_STATE2}. */
    static final StructLayout PIT_CHANNEL_STATE = structLayout(
            JAVA_INT.withName("count"),
            JAVA_SHORT.withName("latched_count"),
            JAVA_BYTE.withName("count_latched"),
            JAVA_BYTE.withName("status_latched"),
            JAVA_BYTE.withName("status"),
            JAVA_BYTE.withName("read_state"),
            JAVA_BYTE.withName("write_state"),
            JAVA_BYTE.withName("write_latch"),
            JAVA_BYTE.withName("rw_mode"),
            JAVA_BYTE.withName("mode"),
            JAVA_BYTE.withName("bcd"),
            JAVA_BYTE.withName("gate"),
            JAVA_LONG.withName("count_load_time")).withName("kvm_pit_channel_state");
    static final VarHandle PIT_CHANNEL_COUNT = handle(PIT_CHANNEL_STATE, "count");
    static final VarHandle PIT_CHANNEL_READ_STATE = handle(PIT_CHANNEL_STATE, "read_state");
    static final VarHandle PIT_CHANNEL_WRITE_STATE = handle(PIT_CHANNEL_STATE, "write_state");
    static final VarHandle PIT_CHANNEL_RW_MODE = handle(PIT_CHANNEL_STATE, "rw_mode");
    static final VarHandle PIT_CHANNEL_MODE = handle(PIT_CHANNEL_STATE, "mode");
    static final VarHandle PIT_CHANNEL_BCD = handle(PIT_CHANNEL_STATE, "bcd");
    static final VarHandle PIT_CHANNEL_GATE = handle(PIT_CHANNEL_STATE, "gate");

    static final StructLayout PIT_STATE2 = structLayout(
            sequenceLayout(3, PIT_CHANNEL_STATE).withName("channels"),
            JAVA_INT.withName("flags"),
            sequenceLayout(9, JAVA_INT).withName("reserved")).withName("kvm_pit_state2");

    /** {@code irq} shares an anonymous union with {@code status} (KVM_IRQ_LINE_STATUS's result). */
    static final StructLayout IRQ_LEVEL = structLayout(
            JAVA_INT.withName("irq"),
            JAVA_INT.withName("level")).withName("kvm_irq_level");
    static final VarHandle IRQ_LEVEL_IRQ = handle(IRQ_LEVEL, "irq");
    static final VarHandle IRQ_LEVEL_LEVEL = handle(IRQ_LEVEL, "level");

    static final StructLayout MP_STATE = structLayout(
            JAVA_INT.withName("mp_state")).withName("kvm_mp_state");
    static final VarHandle MP_STATE_VALUE = handle(MP_STATE, "mp_state");

    static final StructLayout IRQ_ROUTING_IRQCHIP = structLayout(
            JAVA_INT.withName("irqchip"),
            JAVA_INT.withName("pin")).withName("kvm_irq_routing_irqchip");

    static final StructLayout IRQ_ROUTING_ENTRY = structLayout(
            JAVA_INT.withName("gsi"),
            JAVA_INT.withName("type"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("pad"),
            unionLayout(
                    IRQ_ROUTING_IRQCHIP.withName("irqchip"),
                    sequenceLayout(8, JAVA_INT).withName("pad")).withName("u")).withName("kvm_irq_routing_entry");
    static final VarHandle ROUTE_GSI = handle(IRQ_ROUTING_ENTRY, "gsi");
    static final VarHandle ROUTE_TYPE = handle(IRQ_ROUTING_ENTRY, "type");
    static final VarHandle ROUTE_IRQCHIP = IRQ_ROUTING_ENTRY.varHandle(
            groupElement("u"), groupElement("irqchip"), groupElement("irqchip"));
    static final VarHandle ROUTE_PIN = IRQ_ROUTING_ENTRY.varHandle(
            groupElement("u"), groupElement("irqchip"), groupElement("pin"));

    static final StructLayout IRQ_ROUTING = structLayout(
            JAVA_INT.withName("nr"),
            JAVA_INT.withName("flags"),
            sequenceLayout(0, IRQ_ROUTING_ENTRY).withName("entries")).withName("kvm_irq_routing");
    static final VarHandle ROUTING_NR = handle(IRQ_ROUTING, "nr");
    static final long ROUTING_ENTRIES = IRQ_ROUTING.byteOffset(groupElement("entries"));

    static final StructLayout MSI = structLayout(
            JAVA_INT.withName("address_lo"),
            JAVA_INT.withName("address_hi"),
            JAVA_INT.withName("data"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("devid"),
            sequenceLayout(12, JAVA_BYTE).withName("pad")).withName("kvm_msi");
    static final VarHandle MSI_ADDRESS_LO = handle(MSI, "address_lo");
    static final VarHandle MSI_ADDRESS_HI = handle(MSI, "address_hi");
    static final VarHandle MSI_DATA = handle(MSI, "data");

    /** Every structure above whose offsets the layout test checks against the C header. */
    /** struct kvm_guest_debug: what KVM_SET_GUEST_DEBUG takes (x86: the debug registers in arch). */
    static final StructLayout GUEST_DEBUG_ARCH = structLayout(
            sequenceLayout(8, JAVA_LONG).withName("debugreg")).withName("kvm_guest_debug_arch");
    static final StructLayout GUEST_DEBUG = structLayout(
            JAVA_INT.withName("control"),
            JAVA_INT.withName("pad"),
            GUEST_DEBUG_ARCH.withName("arch")).withName("kvm_guest_debug");

    /** struct kvm_fpu (x86): the x87/SSE state of KVM_GET_FPU / KVM_SET_FPU, FXSAVE's contents reordered. */
    static final StructLayout FPU = structLayout(
            sequenceLayout(8, sequenceLayout(16, JAVA_BYTE)).withName("fpr"),
            JAVA_SHORT.withName("fcw"),
            JAVA_SHORT.withName("fsw"),
            JAVA_BYTE.withName("ftwx"),
            JAVA_BYTE.withName("pad1"),
            JAVA_SHORT.withName("last_opcode"),
            JAVA_LONG.withName("last_ip"),
            JAVA_LONG.withName("last_dp"),
            sequenceLayout(16, sequenceLayout(16, JAVA_BYTE)).withName("xmm"),
            JAVA_INT.withName("mxcsr"),
            JAVA_INT.withName("pad2")).withName("kvm_fpu");

    /**
     * struct kvm_xsave: KVM_GET_XSAVE / KVM_SET_XSAVE, the guest's XSAVE image in the standard
     * (uncompacted) format; its first 512 bytes are the FXSAVE image, MXCSR included (kvm_fpu
     * leaves MXCSR out: KVM_GET_FPU reads it as 0 and KVM_SET_FPU drops it).
     */
    static final StructLayout XSAVE = structLayout(
            sequenceLayout(1024, JAVA_INT).withName("region"),
            sequenceLayout(0, JAVA_INT).withName("extra")).withName("kvm_xsave");

    /** struct kvm_xen_hvm_config: KVM_XEN_HVM_CONFIG (jvisor uses it only to intercept VMCALL/VMMCALL). */
    static final StructLayout XEN_HVM_CONFIG = structLayout(
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("msr"),
            JAVA_LONG.withName("blob_addr_32"),
            JAVA_LONG.withName("blob_addr_64"),
            JAVA_BYTE.withName("blob_size_32"),
            JAVA_BYTE.withName("blob_size_64"),
            sequenceLayout(30, JAVA_BYTE).withName("pad2")).withName("kvm_xen_hvm_config");
    static final VarHandle XEN_HVM_CONFIG_FLAGS = handle(XEN_HVM_CONFIG, "flags");
    static final VarHandle XEN_HVM_CONFIG_MSR = handle(XEN_HVM_CONFIG, "msr");

    static final List<StructLayout> ALL = List.of(
            USERSPACE_MEMORY_REGION, CPUID_ENTRY2, CPUID2, MSR_ENTRY, MSRS, LAPIC_STATE, PIT_CONFIG,
            IRQ_LEVEL, MP_STATE, IRQ_ROUTING_IRQCHIP, IRQ_ROUTING_ENTRY, IRQ_ROUTING, MSI, GUEST_DEBUG_ARCH, GUEST_DEBUG,
            FPU, XSAVE, XEN_HVM_CONFIG, PIC_STATE, IRQCHIP, PIT_CHANNEL_STATE, PIT_STATE2);

    /** A handle to a top-level field; its coordinates are (segment, offset of the struct in it). */
    static VarHandle handle(MemoryLayout struct, String field) {
        return struct.varHandle(groupElement(field));
    }
}

package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static jvisor.engine.kvm.KvmStructs.CPUID2;
import static jvisor.engine.kvm.KvmStructs.CPUID2_ENTRIES;
import static jvisor.engine.kvm.KvmStructs.CPUID2_NENT;
import static jvisor.engine.kvm.KvmStructs.CPUID_ENTRY2;

/** {@code struct kvm_cpuid2} in and out: KVM_GET_SUPPORTED_CPUID on /dev/kvm, KVM_SET_CPUID2 on a vCPU. */
final class KvmCpuid {
    private KvmCpuid() { }

    private static final int E2BIG = 7;
    private static final int FIRST_GUESS = 128;
    /** Far above any real table (KVM's own limit is 256 entries); stops a runaway retry. */
    private static final int MAX_ENTRIES = 4096;

    /** The leaves this host's KVM can give a guest, growing the buffer while KVM says it is too small. */
    static List<CpuidEntry> supported(KvmFd kvm) {
        for (int capacity = FIRST_GUESS; capacity <= MAX_ENTRIES; capacity *= 2) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment table = allocate(arena, capacity);
                try {
                    kvm.ioctl(KvmIoctl.KVM_GET_SUPPORTED_CPUID, table);
                } catch (KvmException e) {
                    if (e.errno() == E2BIG) {
                        continue;
                    }
                    throw e;
                }
                return decode(table);
            }
        }
        throw new KvmException(KvmIoctl.KVM_GET_SUPPORTED_CPUID.name(), E2BIG);
    }

    /** Installs {@code entries} as the vCPU's CPUID (before its first KVM_RUN). */
    static void set(KvmFd vcpu, List<CpuidEntry> entries) {
        try (Arena arena = Arena.ofConfined()) {
            vcpu.ioctl(KvmIoctl.KVM_SET_CPUID2, encode(arena, entries));
        }
    }

    static MemorySegment allocate(Arena arena, int capacity) {
        MemorySegment table = arena.allocate(CPUID2_ENTRIES + capacity * CPUID_ENTRY2.byteSize(), CPUID2.byteAlignment());
        CPUID2_NENT.set(table, 0L, capacity);
        return table;
    }

    static List<CpuidEntry> decode(MemorySegment table) {
        int n = (int) CPUID2_NENT.get(table, 0L);
        long capacity = (table.byteSize() - CPUID2_ENTRIES) / CPUID_ENTRY2.byteSize();
        if (n < 0 || n > capacity) {
            throw new IllegalStateException("kvm_cpuid2 claims " + n + " entries in room for " + capacity);
        }
        List<CpuidEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long at = CPUID2_ENTRIES + i * CPUID_ENTRY2.byteSize();
            entries.add(new CpuidEntry(
                    (int) KvmStructs.CPUID_FUNCTION.get(table, at), (int) KvmStructs.CPUID_INDEX.get(table, at),
                    (int) KvmStructs.CPUID_FLAGS.get(table, at),
                    (int) KvmStructs.CPUID_EAX.get(table, at), (int) KvmStructs.CPUID_EBX.get(table, at),
                    (int) KvmStructs.CPUID_ECX.get(table, at), (int) KvmStructs.CPUID_EDX.get(table, at)));
        }
        return entries;
    }

    static MemorySegment encode(Arena arena, List<CpuidEntry> entries) {
        MemorySegment table = allocate(arena, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            CpuidEntry e = entries.get(i);
            long at = CPUID2_ENTRIES + i * CPUID_ENTRY2.byteSize();
            KvmStructs.CPUID_FUNCTION.set(table, at, e.function());
            KvmStructs.CPUID_INDEX.set(table, at, e.index());
            KvmStructs.CPUID_FLAGS.set(table, at, e.flags());
            KvmStructs.CPUID_EAX.set(table, at, e.eax());
            KvmStructs.CPUID_EBX.set(table, at, e.ebx());
            KvmStructs.CPUID_ECX.set(table, at, e.ecx());
            KvmStructs.CPUID_EDX.set(table, at, e.edx());
        }
        return table;
    }
}

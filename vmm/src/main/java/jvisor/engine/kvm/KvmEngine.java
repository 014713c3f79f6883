package jvisor.engine.kvm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jvisor.boot.BadInputException;
import jvisor.engine.CpuVendor;
import jvisor.engine.Engine;
import jvisor.engine.EngineKind;
import jvisor.engine.VirtualMachine;
import jvisor.engine.VmSpec;
import jvisor.sys.Posix;
import jvisor.sys.PosixException;

/**
 * The kvm engine: /dev/kvm through the FFM API, BitVisor's VT-x/SVM back end counterpart. Opening
 * it checks everything jvisor relies on, so a host that cannot run guests says why, in one line,
 * before any processor starts.
 */
public final class KvmEngine implements Engine {
    static final String DEVICE = "/dev/kvm";
    /** KVM_CAP_NR_VCPUS' documented fallback when neither vCPU capability answers. */
    private static final int DEFAULT_MAX_VCPUS = 4;
    /** KVM had 32 user memory slots long before KVM_CAP_NR_MEMSLOTS existed. */
    private static final int DEFAULT_MEMORY_SLOTS = 32;

    private final KvmFd system;
    private final int apiVersion;
    private final int maxCpus;
    private final int memorySlots;
    private final long vcpuMmapSize;
    private final List<CpuidEntry> supportedCpuid;

    private KvmEngine(KvmFd system, int apiVersion, int maxCpus, int memorySlots, long vcpuMmapSize,
                      List<CpuidEntry> supportedCpuid) {
        this.system = system;
        this.apiVersion = apiVersion;
        this.maxCpus = maxCpus;
        this.memorySlots = memorySlots;
        this.vcpuMmapSize = vcpuMmapSize;
        this.supportedCpuid = List.copyOf(supportedCpuid);
    }

    /** Whether this host has a KVM device at all (tests and the benchmark skip without it). */
    public static boolean deviceExists() {
        return Files.exists(Path.of(DEVICE));
    }

    /** Opens /dev/kvm for a guest with {@code cpus} processors. */
    public static KvmEngine open(int cpus) {
        KvmFd system;
        try {
            system = new KvmFd(Posix.open(DEVICE, Posix.O_RDWR | Posix.O_CLOEXEC));
        } catch (PosixException e) {
            throw new BadInputException(openFailure(e.errno()));
        }
        try {
            int version = system.ioctl(KvmIoctl.KVM_GET_API_VERSION, 0);
            if (version != KvmConst.KVM_API_VERSION) {
                throw new BadInputException(DEVICE + " speaks KVM API version " + version + "; jvisor needs "
                        + KvmConst.KVM_API_VERSION + " (use --engine emu)");
            }
            for (KvmCap cap : KvmCap.values()) {
                if (cap.required() && check(system, cap) <= 0) {
                    throw new BadInputException("this host's KVM lacks " + cap.name() + " (" + cap.purpose()
                            + "), which jvisor needs; use a newer kernel or --engine emu");
                }
            }
            int max = maxVcpus(system);
            if (cpus > max) {
                throw new BadInputException("--cpus " + cpus + ": this host's KVM allows at most " + max
                        + " processors per VM");
            }
            int slots = check(system, KvmCap.KVM_CAP_NR_MEMSLOTS);
            long mmapSize = system.ioctl(KvmIoctl.KVM_GET_VCPU_MMAP_SIZE, 0);
            return new KvmEngine(system, version, max, slots > 0 ? slots : DEFAULT_MEMORY_SLOTS, mmapSize,
                    KvmCpuid.supported(system));
        } catch (RuntimeException e) {
            system.close();
            throw e;
        }
    }

    /** The one line a user reads when /dev/kvm cannot be opened. */
    static String openFailure(int errno) {
        return switch (errno) {
            case Posix.ENOENT -> DEVICE + " does not exist: this host has no KVM; load kvm_intel or kvm_amd,"
                    + " or use --engine emu";
            case Posix.EACCES, Posix.EPERM -> DEVICE + ": permission denied: add yourself to the kvm group"
                    + " (sudo usermod -aG kvm $USER, then log in again) or use --engine emu";
            default -> "cannot open " + DEVICE + ": " + Posix.strerror(errno) + " (errno " + errno
                    + "); check that KVM works on this host, or use --engine emu";
        };
    }

    private static int check(KvmFd system, KvmCap cap) {
        return system.ioctl(KvmIoctl.KVM_CHECK_EXTENSION, cap.number());
    }

    /** KVM_CAP_MAX_VCPUS, else the recommended KVM_CAP_NR_VCPUS, else 4, as the API documents. */
    private static int maxVcpus(KvmFd system) {
        int max = check(system, KvmCap.KVM_CAP_MAX_VCPUS);
        if (max > 0) {
            return max;
        }
        int recommended = check(system, KvmCap.KVM_CAP_NR_VCPUS);
        return recommended > 0 ? recommended : DEFAULT_MAX_VCPUS;
    }

    @Override
    public EngineKind kind() {
        return EngineKind.KVM;
    }

    @Override
    public String description() {
        return String.format("kvm: %s API %d, up to %d processors, in-kernel LAPIC, IOAPIC, PIC and PIT",
                DEVICE, apiVersion, maxCpus);
    }

    @Override
    public VirtualMachine createVm(VmSpec spec) {
        requireHostVendor(spec.vendor());
        return KvmVm.create(this, spec);
    }

    /**
     * On kvm the guest runs on the host's processor, whose vendor-specific behaviour (SYSCALL in
     * compatibility mode, SYSENTER in long mode) a different CPUID vendor string would not change:
     * only the host's own vendor is accepted.
     */
    private void requireHostVendor(CpuVendor wanted) {
        String host = hostVendor(supportedCpuid);
        if (wanted != null && !wanted.id().equals(host)) {
            throw new BadInputException("--cpu vendor=" + wanted.id() + ": kvm runs this host's " + host
                    + " processor and cannot take on another vendor's behaviour; use --engine emu");
        }
    }

    /** The vendor string of CPUID leaf 0 in a KVM_GET_SUPPORTED_CPUID table. */
    static String hostVendor(List<CpuidEntry> cpuid) {
        for (CpuidEntry e : cpuid) {
            if (e.function() == 0) {
                byte[] b = new byte[12];
                int[] words = {e.ebx(), e.edx(), e.ecx()};
                for (int i = 0; i < 12; i++) {
                    b[i] = (byte) (words[i / 4] >>> (8 * (i % 4)));
                }
                return new String(b, java.nio.charset.StandardCharsets.US_ASCII);
            }
        }
        return "unknown";
    }

    KvmFd system() {
        return system;
    }

    /** The KVM_SET_GUEST_DEBUG flags this KVM accepts (KVM_CAP_SET_GUEST_DEBUG2), 0 if it does not say. */
    int guestDebugFlags() {
        return Math.max(0, check(system, KvmCap.KVM_CAP_SET_GUEST_DEBUG2));
    }

    /** Whether KVM_GET_XSAVE / KVM_SET_XSAVE exist (every x86 KVM since Linux 2.6.36). */
    boolean hasXsave() {
        return check(system, KvmCap.KVM_CAP_XSAVE) > 0;
    }

    /** KVM_CAP_XEN_HVM's flags: 0 where the kernel has no CONFIG_KVM_XEN. */
    int xenHvmFlags() {
        return Math.max(0, check(system, KvmCap.KVM_CAP_XEN_HVM));
    }

    int maxCpus() {
        return maxCpus;
    }

    int memorySlots() {
        return memorySlots;
    }

    long vcpuMmapSize() {
        return vcpuMmapSize;
    }

    List<CpuidEntry> supportedCpuid() {
        return supportedCpuid;
    }

    @Override
    public void close() {
        system.close();
    }
}

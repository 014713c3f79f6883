package jvisor.boot;

import java.util.List;
import java.util.Objects;
import jvisor.engine.CpuVendor;

/**
 * Everything a run of the VMM needs to know, validated: the "multiboot info" of the VMM itself.
 * Built from the command line by {@link CommandLine}. {@code vendor} is the processor vendor
 * {@code --cpu vendor=} asked for, null for the engine's own (emu: Intel; kvm: the host's).
 */
public record BootConfig(
        GuestImage kernel,
        String cmdline,
        GuestImage initrd,
        List<GuestImage> modules,
        int cpus,
        long memory,
        EngineChoice engine,
        boolean traceBoot,
        boolean stats,
        LinuxEntry linuxEntry,
        DeviceOptions devices,
        DebugOptions debug,
        CpuVendor vendor) {

    public static final int MAX_CPUS = 64;
    public static final long MIN_MEMORY = 4L << 20;
    public static final long DEFAULT_MEMORY = 128L << 20;

    public BootConfig {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(engine, "engine");
        linuxEntry = linuxEntry == null ? LinuxEntry.DEFAULT : linuxEntry;
        devices = devices == null ? DeviceOptions.NONE : devices;
        debug = debug == null ? DebugOptions.NONE : debug;
        cmdline = cmdline == null ? "" : cmdline;
        modules = List.copyOf(modules);
        checkCpus(cpus);
        checkMemory(memory);
    }

    /** A processor count within 1 to {@link #MAX_CPUS}, else the error the user sees. */
    public static int checkCpus(int cpus) {
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new BadInputException("--cpus " + cpus + " is out of range: use 1 to " + MAX_CPUS);
        }
        return cpus;
    }

    /** A guest memory size this host can give, in whole pages, else the error the user sees. */
    public static long checkMemory(long memory) {
        if (memory < MIN_MEMORY) {
            throw new BadInputException("--memory " + MemorySize.format(memory) + " is too small: use at least "
                    + MemorySize.format(MIN_MEMORY));
        }
        long max = MemorySize.hostLimit();
        if (memory > max) {
            throw new BadInputException("--memory " + MemorySize.format(memory) + " is more than this host can give ("
                    + MemorySize.format(max) + ")");
        }
        if ((memory & 0xFFF) != 0) {
            throw new BadInputException("--memory must be a multiple of 4K");
        }
        return memory;
    }

    /** A configuration that boots a Linux bzImage, if it is one, the default way. */
    public BootConfig(GuestImage kernel, String cmdline, GuestImage initrd, List<GuestImage> modules, int cpus,
                      long memory, EngineChoice engine, boolean traceBoot, boolean stats) {
        this(kernel, cmdline, initrd, modules, cpus, memory, engine, traceBoot, stats, LinuxEntry.DEFAULT,
                DeviceOptions.NONE, DebugOptions.NONE, null);
    }

    /** A configuration with the defaults: one processor, 128 MiB, engine picked automatically. */
    public static BootConfig of(GuestImage kernel) {
        return new BootConfig(kernel, "", null, List.of(), 1, DEFAULT_MEMORY, EngineChoice.AUTO, false, false);
    }

    public BootConfig withCpus(int n) {
        return new BootConfig(kernel, cmdline, initrd, modules, n, memory, engine, traceBoot, stats, linuxEntry, devices, debug, vendor);
    }

    public BootConfig withMemory(long bytes) {
        return new BootConfig(kernel, cmdline, initrd, modules, cpus, bytes, engine, traceBoot, stats, linuxEntry, devices, debug, vendor);
    }

    public BootConfig withEngine(EngineChoice e) {
        return new BootConfig(kernel, cmdline, initrd, modules, cpus, memory, e, traceBoot, stats, linuxEntry, devices, debug, vendor);
    }

    public BootConfig withCmdline(String c) {
        return new BootConfig(kernel, c, initrd, modules, cpus, memory, engine, traceBoot, stats, linuxEntry, devices, debug, vendor);
    }

    public BootConfig withInitrd(GuestImage i) {
        return new BootConfig(kernel, cmdline, i, modules, cpus, memory, engine, traceBoot, stats, linuxEntry, devices, debug, vendor);
    }

    public BootConfig withModules(List<GuestImage> m) {
        return new BootConfig(kernel, cmdline, initrd, m, cpus, memory, engine, traceBoot, stats, linuxEntry, devices, debug, vendor);
    }

    public BootConfig withTraceBoot(boolean t) {
        return new BootConfig(kernel, cmdline, initrd, modules, cpus, memory, engine, t, stats, linuxEntry, devices, debug, vendor);
    }

    public BootConfig withLinuxEntry(LinuxEntry e) {
        return new BootConfig(kernel, cmdline, initrd, modules, cpus, memory, engine, traceBoot, stats, e, devices, debug, vendor);
    }

    public BootConfig withDevices(DeviceOptions d) {
        return new BootConfig(kernel, cmdline, initrd, modules, cpus, memory, engine, traceBoot, stats, linuxEntry, d, debug, vendor);
    }

    public BootConfig withDebug(DebugOptions d) {
        return new BootConfig(kernel, cmdline, initrd, modules, cpus, memory, engine, traceBoot, stats, linuxEntry, devices, d, vendor);
    }

    public BootConfig withVendor(CpuVendor v) {
        return new BootConfig(kernel, cmdline, initrd, modules, cpus, memory, engine, traceBoot, stats, linuxEntry, devices, debug, v);
    }

    public BootConfig withStats(boolean s) {
        return new BootConfig(kernel, cmdline, initrd, modules, cpus, memory, engine, traceBoot, s, linuxEntry, devices, debug, vendor);
    }
}

package jvisor.engine;

/**
 * A back end that runs guests: BitVisor's {@code vmctl} function table. One engine is opened per
 * VMM run, in the global stage; {@link #createVm} is {@code vmctl.vminit}.
 */
public interface Engine extends AutoCloseable {
    EngineKind kind();

    /** One line for the boot trace: what this engine is and why it was picked. */
    String description();

    /**
     * Creates the VM with its RAM and its interrupt controllers and timers (in-kernel on kvm,
     * Java devices on emu).
     */
    VirtualMachine createVm(VmSpec spec);

    @Override
    void close();
}

package jvisor.engine;

/** The debug registers a guest programs (KVM's kvm_debugregs): DR0-DR3, DR6 and DR7. */
public record DebugRegisters(long dr0, long dr1, long dr2, long dr3, long dr6, long dr7) {
    /** The values after RESET and INIT. */
    public static final DebugRegisters RESET = new DebugRegisters(0, 0, 0, 0, 0xFFFF_0FF0L, 0x400);

    @Override
    public String toString() {
        return String.format("dr0=%016x dr1=%016x dr2=%016x dr3=%016x dr6=%016x dr7=%016x", dr0, dr1, dr2, dr3, dr6, dr7);
    }
}

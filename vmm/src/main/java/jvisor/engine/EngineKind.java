package jvisor.engine;

/** The back ends a guest can run on: BitVisor picks VT-x or SVM, jvisor picks kvm or emu. */
public enum EngineKind {
    /** Hardware-assisted virtualization through /dev/kvm. */
    KVM,
    /** jvisor's own x86-64 processor, in Java. */
    EMU;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

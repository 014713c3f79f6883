package jvisor.core;

import jvisor.boot.BadInputException;
import jvisor.engine.Engine;
import jvisor.engine.GuestMemory;
import jvisor.engine.kvm.KvmEngine;

/**
 * The global stage's first and last steps: map guest RAM (the loader and the tables fill it), and,
 * once the guest image has proven bootable, pick the engine (BitVisor picks VT-x or SVM).
 */
final class EngineSelection {
    private EngineSelection() { }

    @InitFunction(stage = Stage.GLOBAL, order = 3)
    static void openEngine(Processor p) {
        Vmm vmm = p.vmm();
        Engine engine = switch (vmm.config().engine()) {
            case KVM, AUTO -> KvmEngine.open(vmm.config().cpus());
            case EMU -> throw new BadInputException("the emu engine is not available yet: use --engine kvm");
        };
        vmm.setEngine(engine);
        vmm.trace().step(p, "engine", engine.description());
    }

    @InitFunction(stage = Stage.GLOBAL, order = 0)
    static void allocateGuestRam(Processor p) {
        p.vmm().setRam(GuestMemory.allocate(p.vmm().config().memory()));
    }
}

package jvisor.core;

import jvisor.boot.BadInputException;
import jvisor.engine.Engine;
import jvisor.engine.GuestMemory;
import jvisor.engine.emu.EmuEngine;
import jvisor.engine.kvm.KvmCalibration;
import jvisor.engine.kvm.KvmEngine;

/**
 * The global stage's first and last steps: map guest RAM (the loader and the tables fill it), and,
 * once the guest image has proven bootable, pick the engine (BitVisor picks VT-x or SVM).
 */
final class EngineSelection {
    private EngineSelection() { }

    /** An engine and why it was picked, for the boot trace. */
    record Choice(Engine engine, String why) { }

    @InitFunction(stage = Stage.GLOBAL, order = 3)
    static void openEngine(Processor p) {
        Vmm vmm = p.vmm();
        Choice choice = switch (vmm.config().engine()) {
            case KVM -> new Choice(KvmEngine.open(vmm.config().cpus()), "--engine kvm");
            case EMU -> new Choice(emu(vmm), "--engine emu");
            case AUTO -> automatic(vmm);
        };
        vmm.setEngine(choice.engine());
        vmm.trace().step(p, "engine", choice.engine().kind().label() + " (" + choice.why() + "): "
                + choice.engine().description());
    }

    /**
     * kvm where it runs guest ring-0 code at native speed, emu otherwise: a nested or emulated
     * KVM (this project's own machines run ring 0 at 1-2 MIPS) would boot an OS for hours.
     */
    static Choice automatic(Vmm vmm) {
        int cpus = vmm.config().cpus();
        if (!KvmEngine.deviceExists()) {
            return new Choice(emu(vmm), "auto: no /dev/kvm on this host");
        }
        KvmEngine kvm;
        try {
            kvm = KvmEngine.open(cpus);
        } catch (BadInputException e) {
            return new Choice(emu(vmm), "auto: kvm unusable: " + e.getMessage());
        }
        KvmCalibration.Result speed;
        try {
            speed = KvmCalibration.measure(kvm);
        } catch (RuntimeException e) {
            kvm.close();
            return new Choice(emu(vmm), "auto: kvm failed its calibration run: " + e.getMessage());
        }
        if (speed.isNative()) {
            return new Choice(kvm, "auto: kvm runs ring-0 code at " + speed);
        }
        kvm.close();
        return new Choice(emu(vmm), "auto: kvm runs ring-0 code at " + speed
                + ", below native speed (nested or emulated), so emu is faster");
    }

    /** The emu engine, logging to the VMM's console; what guests probe for only with --trace-boot. */
    private static Engine emu(Vmm vmm) {
        return EmuEngine.open(vmm.console().log(), vmm.trace().enabled());
    }

    @InitFunction(stage = Stage.GLOBAL, order = 0)
    static void allocateGuestRam(Processor p) {
        Vmm vmm = p.vmm();
        vmm.setRam(jvisor.firmware.FirmwareBoot.requested(vmm) ? jvisor.firmware.FirmwareBoot.allocate(vmm)
                : GuestMemory.allocate(vmm.config().memory()));
    }
}

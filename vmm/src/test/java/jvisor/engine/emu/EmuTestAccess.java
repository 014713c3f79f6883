package jvisor.engine.emu;

import jvisor.engine.VmSpec;

/** Lets tests in other packages build an {@link EmuVm} on a platform of their own. */
public final class EmuTestAccess {
    private EmuTestAccess() { }

    public static EmuVm vm(VmSpec spec, EmuPlatform platform) {
        return new EmuVm(spec, platform, new Tsc(), Tsc.HZ, true);
    }
}

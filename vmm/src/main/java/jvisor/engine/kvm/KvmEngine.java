package jvisor.engine.kvm;

import jvisor.boot.BadInputException;
import jvisor.engine.Engine;

/** Placeholder until the kvm engine lands. */
public final class KvmEngine {
    private KvmEngine() { }

    public static Engine open(int cpus) {
        throw new BadInputException("the kvm engine is not built yet");
    }
}

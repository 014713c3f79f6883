package jvisor.core;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * BitVisor's {@code call_initfunc} over the compile-time table: runs a stage's functions in order
 * on the calling processor, and the parallel groups once each on whichever processor claims them.
 */
public final class InitRegistry {
    final List<InitFunc> table;
    private final AtomicBoolean[] parallelClaims = new AtomicBoolean[10];

    public InitRegistry() {
        this(InitTable.ALL);
    }

    InitRegistry(List<InitFunc> table) {
        this.table = List.copyOf(table);
        for (int i = 0; i < parallelClaims.length; i++) {
            parallelClaims[i] = new AtomicBoolean();
        }
    }

    /** The whole table, sorted: stage, then order, then name. */
    public static List<InitFunc> table() {
        return InitTable.ALL;
    }

    /** {@code call_initfunc(stage)} on processor {@code p}. */
    public void call(Stage stage, Processor p) {
        for (InitFunc f : table) {
            if (f.stage() == stage) {
                run(f, p);
            }
        }
    }

    /** {@code call_parallel}: each order group of the PARALLEL stage runs once, on the first processor here. */
    public void callParallel(Processor p) {
        for (int group = 0; group < parallelClaims.length; group++) {
            if (!hasGroup(group) || !parallelClaims[group].compareAndSet(false, true)) {
                continue;
            }
            for (InitFunc f : table) {
                if (f.stage() == Stage.PARALLEL && f.order() == group) {
                    run(f, p);
                }
            }
        }
    }

    private boolean hasGroup(int group) {
        for (InitFunc f : table) {
            if (f.stage() == Stage.PARALLEL && f.order() == group) {
                return true;
            }
        }
        return false;
    }

    private static void run(InitFunc f, Processor p) {
        p.vmm().trace().step(p, f.stage(), f.name());
        f.body().accept(p);
    }
}

package jvisor.core;

import java.util.function.Consumer;
import jvisor.boot.BadInputException;

/**
 * BitVisor's {@code start_all_processors}: one platform thread per processor (a KVM_RUN blocks
 * its carrier, so virtual threads would not do). Processor 0 is the BSP.
 */
final class Processors {
    private Processors() { }

    static void startAll(Vmm vmm, Consumer<Processor> bspProc, Consumer<Processor> apProc) {
        Thread[] threads = new Thread[vmm.cpuCount()];
        for (int n = 0; n < threads.length; n++) {
            Processor p = vmm.processor(n);
            Consumer<Processor> proc = p.isBsp() ? bspProc : apProc;
            threads[n] = Thread.ofPlatform()
                    .name("cpu" + n)
                    .stackSize(4L << 20)
                    .unstarted(() -> runProcessor(p, proc));
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            joinUninterruptibly(t);
        }
    }

    /** The top of a processor thread: every failure becomes a shutdown cause, never an escape. */
    private static void runProcessor(Processor p, Consumer<Processor> proc) {
        Vmm vmm = p.vmm();
        try {
            proc.accept(p);
        } catch (Vmm.ProcessorAbort stopped) {
            // Another processor stopped the VMM; nothing to add.
        } catch (BadInputException e) {
            vmm.requestShutdown(new ShutdownCause.BadInput(e.getMessage()));
        } catch (Throwable t) {
            vmm.requestShutdown(new ShutdownCause.Failure(p.number(), describe(t), t));
        }
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getName() : m;
    }

    @InitFunction(stage = Stage.BSP, order = 0)
    static void announceBsp(Processor p) {
        p.vmm().trace().message(p.toString());
    }

    @InitFunction(stage = Stage.AP, order = 0)
    static void announceAp(Processor p) {
        p.vmm().trace().message(p.toString());
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}

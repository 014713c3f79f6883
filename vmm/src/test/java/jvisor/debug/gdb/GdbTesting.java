package jvisor.debug.gdb;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import jvisor.boot.BootConfig;
import jvisor.boot.DebugOptions;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.testing.GuestRun;

/** Boots a test guest (on emu unless told) with the gdb stub waiting on a free local port. */
final class GdbTesting {
    private GdbTesting() { }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static CompletableFuture<GuestRun> bootWaiting(String guest, int port, int cpus) {
        return bootWaiting(guest, port, cpus, EngineChoice.EMU);
    }

    static CompletableFuture<GuestRun> bootWaiting(String guest, int port, int cpus, EngineChoice engine) {
        BootConfig config = BootConfig.of(new GuestImage.Builtin(guest)).withEngine(engine).withCpus(cpus)
                .withDebug(new DebugOptions("127.0.0.1:" + port, true, false, null, null, 0, null));
        // A thread of its own, not the common pool: on two cores that pool has one worker, and a guest a
        // failed test left waiting for gdb would keep every later test's guest from starting.
        return CompletableFuture.supplyAsync(() -> GuestRun.boot(config),
                task -> Thread.ofPlatform().daemon().name("gdb-test-guest").start(task));
    }
}

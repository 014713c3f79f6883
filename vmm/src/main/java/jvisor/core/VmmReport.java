package jvisor.core;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import jvisor.bus.PortBus;
import jvisor.engine.ExitReason;

/**
 * What the VMM says when the VM has stopped: BitVisor's panic dump of every processor when the
 * guest or jvisor failed, the exit counters with {@code --stats}, and the exit status.
 */
final class VmmReport {
    private static final int TOP_PORTS = 16;

    private VmmReport() { }

    static int finish(Vmm vmm) {
        ShutdownCause cause = vmm.shutdownCause();
        if (cause == null) {
            cause = new ShutdownCause.Failure(-1, "every processor stopped without a reason", null);
        }
        PrintStream log = vmm.console().log();
        if (cause.dumpsProcessors()) {
            panicDump(vmm, cause, log);
        } else {
            log.println("jvisor: " + cause.describe());
        }
        if (cause instanceof ShutdownCause.Failure f && f.error() != null && vmm.trace().enabled()) {
            f.error().printStackTrace(log);
        }
        if (vmm.config().stats()) {
            printStats(vmm, log);
        }
        log.flush();
        return cause.exitStatus();
    }

    /** BitVisor's {@code panic}: the cause, then every processor's registers. */
    private static void panicDump(Vmm vmm, ShutdownCause cause, PrintStream log) {
        log.println("jvisor: panic: " + cause.describe());
        for (int n = 0; n < vmm.cpuCount(); n++) {
            Processor p = vmm.processor(n);
            log.println("--- " + p + " ---");
            if (!p.hasVcpu()) {
                log.println("(no virtual processor)");
                continue;
            }
            try {
                log.println("last exit: " + p.vcpu().describeExit());
                log.println(p.vcpu().state());
            } catch (RuntimeException e) {
                log.println("(state unavailable: " + e.getMessage() + ")");
            }
        }
    }

    static void printStats(Vmm vmm, PrintStream log) {
        ExitStats total = new ExitStats();
        for (int n = 0; n < vmm.cpuCount(); n++) {
            total.add(vmm.stats(n));
        }
        log.println("exits by reason:");
        for (ExitReason r : ExitReason.values()) {
            if (total.exits(r) > 0) {
                log.printf("  %-16s %12d%n", r.name().toLowerCase(java.util.Locale.ROOT), total.exits(r));
            }
        }
        PortBus ports = vmm.hasVm() ? vmm.vm().ports() : null;
        List<Integer> busy = new ArrayList<>();
        for (int port = 0; port < PortBus.PORTS; port++) {
            if (total.portReads(port) + total.portWrites(port) > 0) {
                busy.add(port);
            }
        }
        busy.sort(Comparator.comparingLong((Integer port) -> total.portReads(port) + total.portWrites(port)).reversed());
        log.println("port I/O by port (reads / writes):");
        for (int port : busy.subList(0, Math.min(TOP_PORTS, busy.size()))) {
            log.printf("  %#06x %-12s %12d %12d%n", port, ports == null ? "" : ports.nameOf(port),
                    total.portReads(port), total.portWrites(port));
        }
        if (busy.size() > TOP_PORTS) {
            log.printf("  ... and %d more ports%n", busy.size() - TOP_PORTS);
        }
        log.println("MMIO by range (reads / writes):");
        for (Map.Entry<String, long[]> e : total.mmio().entrySet()) {
            log.printf("  %-20s %12d %12d%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        for (int n = 0; n < vmm.cpuCount(); n++) {
            Processor p = vmm.processor(n);
            String engine = p.hasVcpu() ? p.vcpu().engineStats() : "";
            if (!engine.isEmpty()) {
                log.println("processor " + n + ": " + engine);
            }
        }
        if (vmm.hasVm()) {
            PassThrough pass = vmm.vm().passThrough();
            log.printf("unhooked (floating bus): %d reads, %d writes%n", pass.reads(), pass.writes());
        }
        vmm.provided(jvisor.devices.virtio.VirtioNet.class).ifPresent(nic -> {
            jvisor.devices.virtio.VirtioNet.Counters c = nic.counters();
            log.printf("virtio-net: %d frames sent, %d dropped; %d received, %d dropped, %d times without a buffer%n",
                    c.sent(), c.txDropped(), c.delivered(), c.rxDropped(), c.rxFull());
            jvisor.devices.virtio.VirtioNet.Signals g = nic.signals();
            log.printf("virtio-net: transmit: %d notifications, %d interrupts, %d large segments, %d bytes;"
                    + " receive: %d notifications, %d interrupts%n", g.txNotifications(), g.txInterrupts(),
                    g.largeSent(), g.bytesSent(), g.rxNotifications(), g.rxInterrupts());
            log.println("network back end:");
            log.print(nic.backend().stats().report());
        });
    }
}

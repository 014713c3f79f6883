package jvisor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory as the kernel counts it ({@code /proc/self/status}). */
final class ProcessMemory {
    private ProcessMemory() { }

    /** VmRSS in bytes. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read VmRSS from /proc/self/status", e);
        }
        throw new IllegalStateException("/proc/self/status has no VmRSS line");
    }
}

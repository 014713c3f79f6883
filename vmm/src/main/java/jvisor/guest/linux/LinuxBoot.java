package jvisor.guest.linux;

import jvisor.boot.LinuxEntry;
import jvisor.engine.CpuState;

/**
 * Where the Linux loader put everything and the state the BSP starts in.
 *
 * @param kernelStart  the lowest address the kernel occupies
 * @param kernelEnd    the end of what the kernel may use while it initializes (at least init_size)
 * @param initrdSize   0 when there is no initrd
 */
public record LinuxBoot(
        LinuxEntry how,
        String kernelVersion,
        String protocolVersion,
        long entry,
        long kernelStart,
        long kernelEnd,
        long zeroPage,
        long cmdline,
        long initrdAddress,
        long initrdSize,
        CpuState state) {

    /** One line for the boot trace. */
    public String describe() {
        String initrd = initrdSize == 0 ? "no initrd"
                : String.format("initrd %d KiB at 0x%x", initrdSize >> 10, initrdAddress);
        return String.format("Linux %s (protocol %s), %s entry at 0x%x, kernel 0x%x-0x%x, zero page 0x%x, %s",
                kernelVersion.isEmpty() ? "(unknown version)" : kernelVersion.split(" ")[0], protocolVersion,
                how.label(), entry, kernelStart, kernelEnd, zeroPage, initrd);
    }
}

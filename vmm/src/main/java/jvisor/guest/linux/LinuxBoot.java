package jvisor.guest.linux;

import jvisor.boot.LinuxEntry;
import jvisor.engine.CpuState;

/**
 * Where the Linux loader put everything and the state the BSP starts in.
 *
 * @param kernelStart  the lowest address the kernel occupies
 * @param kernelEnd    the end of what the kernel may use while it initializes (at least init_size)
 * @param initrdSize   0 when there is no initrd
 * @param vmlinuxFromCache whether the decompressed kernel came from {@link VmlinuxCache}
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
        CpuState state,
        boolean vmlinuxFromCache) { }

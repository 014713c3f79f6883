package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jvisor.sys.Ioctl;
import jvisor.sys.Posix;

/**
 * Message-signalled interrupts into KVM's in-kernel local APICs (KVM_SIGNAL_MSI). Devices signal
 * from their own threads; the lock guards the preallocated argument, so a signal allocates
 * nothing. A message the guest's APICs refuse (status 0) is dropped, as on the system bus.
 */
final class KvmMsi {
    private static final long KVM_SIGNAL_MSI = KvmIoctl.KVM_SIGNAL_MSI.number();

    private final KvmFd vm;
    private final MemorySegment msi;
    private final MemorySegment errno;
    private boolean closed;

    KvmMsi(KvmFd vm, Arena arena) {
        this.vm = vm;
        this.msi = arena.allocate(KvmStructs.MSI);
        this.errno = Posix.newErrnoBuffer(arena);
    }

    synchronized void signal(long address, int data) {
        if (closed) {
            return;
        }
        KvmStructs.MSI_ADDRESS_LO.set(msi, 0L, (int) address);
        KvmStructs.MSI_ADDRESS_HI.set(msi, 0L, (int) (address >>> 32));
        KvmStructs.MSI_DATA.set(msi, 0L, data);
        if (Ioctl.call(errno, vm.fd(), KVM_SIGNAL_MSI, msi) < 0) {
            throw new KvmException(KvmIoctl.KVM_SIGNAL_MSI.name(), Posix.errno(errno));
        }
    }

    synchronized void close() {
        closed = true;
    }
}

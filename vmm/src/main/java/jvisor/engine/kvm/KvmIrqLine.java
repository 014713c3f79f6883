package jvisor.engine.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jvisor.bus.IrqLine;
import jvisor.sys.Ioctl;
import jvisor.sys.Posix;

/**
 * An interrupt line into KVM's in-kernel PIC and IOAPIC: KVM_IRQ_LINE with the level the device
 * drives (level semantics: asserted until released; an edge is a pulse). Devices drive it from
 * any thread; the line's own lock orders its changes and guards its preallocated argument, so
 * driving a line allocates nothing. After the VM closes the line is dead and ignores changes.
 */
final class KvmIrqLine implements IrqLine {
    private static final long KVM_IRQ_LINE = KvmIoctl.KVM_IRQ_LINE.number();

    private final KvmFd vm;
    private final MemorySegment level;
    private final MemorySegment errno;
    private boolean closed;

    KvmIrqLine(KvmFd vm, int kvmLine, Arena arena) {
        this.vm = vm;
        this.level = arena.allocate(KvmStructs.IRQ_LEVEL);
        this.errno = Posix.newErrnoBuffer(arena);
        KvmStructs.IRQ_LEVEL_IRQ.set(level, 0L, kvmLine);
    }

    @Override
    public synchronized void set(boolean asserted) {
        if (closed) {
            return;
        }
        KvmStructs.IRQ_LEVEL_LEVEL.set(level, 0L, asserted ? 1 : 0);
        if (Ioctl.call(errno, vm.fd(), KVM_IRQ_LINE, level) < 0) {
            throw new KvmException(KvmIoctl.KVM_IRQ_LINE.name(), Posix.errno(errno));
        }
    }

    synchronized void close() {
        closed = true;
    }
}

package jvisor.engine.kvm;

import jvisor.sys.PosixException;

/** A KVM ioctl the kernel refused: names the ioctl (its C macro name) and the errno. */
public final class KvmException extends PosixException {
    public KvmException(String ioctl, int errno) {
        super(ioctl, errno);
    }
}

package jvisor.storage;

/** A host-side failure of a disk image (an I/O error, a full disk): the guest sees an I/O error. */
public final class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message, null, false, false);
    }
}

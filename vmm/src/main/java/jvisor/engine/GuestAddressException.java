package jvisor.engine;

/** A guest-physical range that is not RAM. Thrown to device code, which turns it into a device error. */
public final class GuestAddressException extends RuntimeException {
    private final long address;
    private final long length;

    public GuestAddressException(long address, long length) {
        super(String.format("guest-physical 0x%x (+%d bytes) is not RAM", address, length), null, false, false);
        this.address = address;
        this.length = length;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }
}

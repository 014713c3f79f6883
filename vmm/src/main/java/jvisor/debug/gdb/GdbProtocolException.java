package jvisor.debug.gdb;

import java.io.IOException;

/** The client broke the protocol: the stub ends that connection, never the VM. */
final class GdbProtocolException extends IOException {
    GdbProtocolException(String message) {
        super(message);
    }
}

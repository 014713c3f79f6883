package jvisor.boot;

import java.nio.file.Path;

/**
 * The debugging tools asked for on the command line: the gdb stub ({@code --gdb HOST:PORT},
 * {@code --gdb-wait}) and the call tracer ({@code --trace-calls --symbols FILE}, with
 * {@code --trace-depth}, {@code --trace-filter} and {@code --trace-out}).
 */
public record DebugOptions(String gdb, boolean gdbWait, boolean traceCalls, Path symbols, Path traceOut,
                           int traceDepth, String traceFilter) {
    public static final DebugOptions NONE = new DebugOptions(null, false, false, null, null, 0, null);

    public DebugOptions {
        if (gdbWait && gdb == null) {
            throw new BadInputException("--gdb-wait goes with --gdb HOST:PORT");
        }
        if (gdb != null) {
            port(gdb);
        }
        if (traceCalls && symbols == null) {
            throw new BadInputException("--trace-calls needs --symbols FILE (a System.map or an ELF with symbols)");
        }
        if (!traceCalls && (traceOut != null || traceDepth != 0 || traceFilter != null)) {
            throw new BadInputException("--trace-out, --trace-depth and --trace-filter go with --trace-calls");
        }
        if (traceDepth < 0) {
            throw new BadInputException("--trace-depth must be 0 (no limit) or more");
        }
    }

    /** The host part of {@code --gdb} (default 127.0.0.1 for ":1234"). */
    public String gdbHost() {
        int colon = gdb.lastIndexOf(':');
        return colon <= 0 ? "127.0.0.1" : gdb.substring(0, colon);
    }

    public int gdbPort() {
        return port(gdb);
    }

    private static int port(String address) {
        int colon = address.lastIndexOf(':');
        try {
            int port = Integer.parseInt(address.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new BadInputException("--gdb needs HOST:PORT or :PORT, not '" + address + "'");
        }
    }
}

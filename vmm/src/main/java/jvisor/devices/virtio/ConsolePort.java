package jvisor.devices.virtio;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import jvisor.boot.BadInputException;

/**
 * The host end of a virtio console port: a Unix socket jvisor listens on (one client at a time,
 * both directions; output while no client is connected is dropped, as on a serial line), or a
 * file that receives the output (and never gives input).
 */
public sealed interface ConsolePort extends Closeable {
    /** Blocks until host input arrives; returns the bytes read into {@code buffer}, or -1 once closed. */
    int read(byte[] buffer) throws IOException;

    void write(byte[] data, int offset, int length) throws IOException;

    String description();

    static ConsolePort open(String spec) {
        int eq = spec.indexOf('=');
        String kind = eq < 0 ? spec : spec.substring(0, eq);
        String value = eq < 0 ? "" : spec.substring(eq + 1);
        if (value.isEmpty()) {
            throw new BadInputException("--virtio-console needs socket=PATH or file=PATH, not '" + spec + "'");
        }
        return switch (kind) {
            case "socket" -> Socket.listen(Path.of(value));
            case "file" -> File.create(Path.of(value));
            default -> throw new BadInputException("--virtio-console '" + spec + "': use socket=PATH or file=PATH");
        };
    }

    /** A Unix-socket server at a path. */
    final class Socket implements ConsolePort {
        private final Path path;
        private final ServerSocketChannel server;
        private volatile SocketChannel client;
        private volatile boolean closed;

        private Socket(Path path, ServerSocketChannel server) {
            this.path = path;
            this.server = server;
        }

        static Socket listen(Path path) {
            try {
                if (Files.exists(path) && !Files.isDirectory(path)) {
                    Files.delete(path);             // a stale socket from an earlier run
                }
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                server.bind(UnixDomainSocketAddress.of(path));
                return new Socket(path, server);
            } catch (IOException | UnsupportedOperationException e) {
                throw new BadInputException("--virtio-console cannot listen on " + path + ": " + e.getMessage());
            }
        }

        @Override
        public int read(byte[] buffer) throws IOException {
            while (!closed) {
                SocketChannel c = client;
                if (c == null) {
                    try {
                        client = server.accept();
                    } catch (IOException e) {
                        if (closed) {
                            return -1;
                        }
                        throw e;
                    }
                    continue;
                }
                int n;
                try {
                    n = c.read(ByteBuffer.wrap(buffer));
                } catch (IOException e) {
                    n = -1;
                }
                if (n > 0) {
                    return n;
                }
                client = null;
                c.close();
            }
            return -1;
        }

        @Override
        public void write(byte[] data, int offset, int length) {
            SocketChannel c = client;
            if (c == null) {
                return;
            }
            try {
                ByteBuffer b = ByteBuffer.wrap(data, offset, length);
                while (b.hasRemaining()) {
                    c.write(b);
                }
            } catch (IOException e) {
                client = null;
            }
        }

        @Override
        public String description() {
            return "socket " + path;
        }

        @Override
        public void close() throws IOException {
            closed = true;
            SocketChannel c = client;
            if (c != null) {
                c.close();
            }
            server.close();
            Files.deleteIfExists(path);
        }
    }

    /** Output appended to a file; no input. */
    final class File implements ConsolePort {
        private final Path path;
        private final OutputStream out;
        private final Object closedLock = new Object();
        private boolean closed;

        private File(Path path, OutputStream out) {
            this.path = path;
            this.out = out;
        }

        static File create(Path path) {
            try {
                return new File(path, Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
            } catch (IOException e) {
                throw new BadInputException("--virtio-console cannot write " + path + ": " + e.getMessage());
            }
        }

        @Override
        public int read(byte[] buffer) throws IOException {
            synchronized (closedLock) {
                while (!closed) {
                    try {
                        closedLock.wait();
                    } catch (InterruptedException e) {
                        return -1;
                    }
                }
            }
            return -1;
        }

        @Override
        public synchronized void write(byte[] data, int offset, int length) throws IOException {
            out.write(data, offset, length);
            out.flush();
        }

        @Override
        public String description() {
            return "file " + path;
        }

        @Override
        public void close() throws IOException {
            synchronized (closedLock) {
                closed = true;
                closedLock.notifyAll();
            }
            out.close();
        }
    }
}

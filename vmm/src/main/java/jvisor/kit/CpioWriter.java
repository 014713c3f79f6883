package jvisor.kit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" (SVR4, no checksum) format the kernel unpacks into its
 * initramfs. Owners are root, times are zero, so the same inputs give the same bytes.
 */
public final class CpioWriter {
    static final String MAGIC = "070701";
    static final int HEADER_SIZE = 110;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    static final String TRAILER = "TRAILER!!!";

    private final OutputStream out;
    private long written;
    private int nextInode = 1;
    private boolean finished;

    public CpioWriter(OutputStream out) {
        this.out = out;
    }

    public void directory(String path, int permissions) {
        entry(path, S_IFDIR | permissions, 2, 0, 0, new byte[0]);
    }

    public void file(String path, int permissions, byte[] data) {
        entry(path, S_IFREG | permissions, 1, 0, 0, data);
    }

    public void symlink(String path, String target) {
        entry(path, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    public void characterDevice(String path, int permissions, int major, int minor) {
        entry(path, S_IFCHR | permissions, 1, major, minor, new byte[0]);
    }

    /** Writes the trailer entry that ends the archive. */
    public void finish() {
        entry(TRAILER, 0, 1, 0, 0, new byte[0]);
        finished = true;
    }

    public long bytesWritten() {
        return written;
    }

    private void entry(String path, int mode, int links, int rdevMajor, int rdevMinor, byte[] data) {
        if (finished) {
            throw new IllegalStateException("the archive is finished");
        }
        String name = path.startsWith("/") ? path.substring(1) : path;
        if (name.isEmpty()) {
            throw new IllegalArgumentException("an archive entry needs a name");
        }
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(HEADER_SIZE).append(MAGIC);
        int inode = name.equals(TRAILER) ? 0 : nextInode++;
        int[] fields = {inode, mode, 0, 0, links, 0, data.length, 0, 0, rdevMajor, rdevMinor, nameBytes.length, 0};
        for (int f : fields) {
            h.append(String.format("%08x", f));
        }
        write(h.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        pad();
        write(data);
        pad();
    }

    private void pad() {
        write(new byte[(int) (-written & 3)]);
    }

    private void write(byte[] bytes) {
        try {
            out.write(bytes);
            written += bytes.length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package jvisor.boot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Where a kernel, initrd or module comes from: a file the user named, or an image built into jvisor. */
public sealed interface GuestImage {
    /** The largest image jvisor reads; guests are loaded into RAM, which is capped well below this. */
    long MAX_BYTES = Integer.MAX_VALUE - 8;

    String name();

    /** The image's bytes, refused as bad input if it is larger than {@code limit} bytes. */
    byte[] read(long limit);

    default byte[] read() {
        return read(MAX_BYTES);
    }

    /** The image's size if it is a regular file, so a loader can say why it does not fit before reading it; else -1. */
    default long size() {
        return -1;
    }

    record File(Path path) implements GuestImage {
        /** S_IFMT and S_IFIFO of st_mode: pipes and FIFOs have no size to check before reading. */
        private static final int S_IFMT = 0170000;
        private static final int S_IFIFO = 0010000;

        public String name() {
            return path.toString();
        }

        @Override
        public long size() {
            try {
                return Files.isRegularFile(path) ? Files.size(path) : -1;
            } catch (IOException e) {
                return -1; // read() will say what is wrong with it
            }
        }

        public byte[] read(long limit) {
            long bound = Math.min(limit, MAX_BYTES);
            try {
                if (Files.isDirectory(path)) {
                    throw new BadInputException(path + " is a directory, not a kernel image");
                }
                if (Files.isRegularFile(path)) {
                    long size = Files.size(path);
                    if (size > bound) {
                        throw tooLarge(size + " bytes", bound);
                    }
                    return Files.readAllBytes(path);
                }
                // A device such as /dev/zero reports size 0 and never ends: refuse it before reading.
                if (!isFifo()) {
                    throw new BadInputException(path + " is not a regular file (a device or socket); "
                            + "give a file, or a pipe");
                }
                return readBounded(bound);
            } catch (NoSuchFileException e) {
                throw new BadInputException(path + ": no such file; check the path");
            } catch (AccessDeniedException e) {
                throw new BadInputException(path + ": permission denied; make it readable");
            } catch (IOException e) {
                throw new BadInputException(path + ": cannot read it (" + e.getMessage() + ")");
            }
        }

        private boolean isFifo() throws IOException {
            Object mode = Files.getAttribute(path, "unix:mode");
            return mode instanceof Integer m && (m & S_IFMT) == S_IFIFO;
        }

        /** A pipe is read up to one byte past the bound, so an endless writer is cut off, not buffered. */
        private byte[] readBounded(long bound) throws IOException {
            try (InputStream in = Files.newInputStream(path)) {
                byte[] bytes = in.readNBytes((int) Math.min(bound + 1, MAX_BYTES));
                if (bytes.length > bound) {
                    throw tooLarge("more than " + bound + " bytes", bound);
                }
                return bytes;
            }
        }

        private BadInputException tooLarge(String size, long bound) {
            return new BadInputException(path + " is too large to be a guest image (" + size
                    + "; the limit is " + MemorySize.format(bound) + ", the guest's memory: see --memory)");
        }
    }

    /**
     * No kernel: the machine boots through its firmware (SeaBIOS), which loads the operating
     * system from a disk. {@code bios} is the ROM image the user named with {@code --firmware}, or
     * null for SeaBIOS found on the host or fetched into the cache.
     */
    record Firmware(Path bios) implements GuestImage {
        public String name() {
            return bios == null ? "firmware (SeaBIOS)" : "firmware " + bios;
        }

        /** The ROM image the user named; the default one is found by {@code jvisor.firmware.SeaBios}. */
        @Override
        public byte[] read(long limit) {
            if (bios == null) {
                throw new IllegalStateException("the default firmware is located by jvisor.firmware.SeaBios");
            }
            return new File(bios).read(limit);
        }
    }

    /** A test guest packaged into jvisor's jar under {@code /guests/}. */
    record Builtin(String guest) implements GuestImage {
        /** The built-in guests' names, from the index the guest build writes. */
        public static java.util.List<String> names() {
            try (InputStream in = GuestImage.class.getResourceAsStream("/guests/index")) {
                return in == null ? java.util.List.of()
                        : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).lines().toList();
            } catch (IOException e) {
                return java.util.List.of();
            }
        }

        public String name() {
            return "built-in guest '" + guest + "'";
        }

        public byte[] read(long limit) {
            try (InputStream in = GuestImage.class.getResourceAsStream("/guests/" + guest + ".elf")) {
                if (in == null) {
                    throw new BadInputException("no built-in guest '" + guest
                            + "': use one of " + String.join(", ", names()));
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new BadInputException("cannot read built-in guest '" + guest + "': " + e.getMessage());
            }
        }
    }
}

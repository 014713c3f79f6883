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

    byte[] read();

    record File(Path path) implements GuestImage {
        public String name() {
            return path.toString();
        }

        public byte[] read() {
            try {
                if (Files.isDirectory(path)) {
                    throw new BadInputException(path + " is a directory, not a kernel image");
                }
                if (Files.size(path) > MAX_BYTES) {
                    throw new BadInputException(path + " is too large to be a guest image");
                }
                return Files.readAllBytes(path);
            } catch (NoSuchFileException e) {
                throw new BadInputException(path + ": no such file; check the path");
            } catch (AccessDeniedException e) {
                throw new BadInputException(path + ": permission denied; make it readable");
            } catch (IOException e) {
                throw new BadInputException(path + ": cannot read it (" + e.getMessage() + ")");
            }
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
        public byte[] read() {
            if (bios == null) {
                throw new IllegalStateException("the default firmware is located by jvisor.firmware.SeaBios");
            }
            return new File(bios).read();
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

        public byte[] read() {
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

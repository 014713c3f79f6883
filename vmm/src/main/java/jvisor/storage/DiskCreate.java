package jvisor.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import jvisor.boot.BadInputException;
import jvisor.boot.CommandLine;
import jvisor.boot.MemorySize;
import jvisor.storage.luks.LuksException;
import jvisor.storage.luks.LuksFormat;

/** {@code ./jvisor disk create}: a new disk image for {@code --drive}; an existing file is never overwritten. */
public final class DiskCreate {
    private DiskCreate() { }

    public static int run(CommandLine.Command.DiskCreate c) {
        Path image = c.image();
        if (Files.exists(image)) {
            throw new BadInputException(image + " already exists: remove it first or pick another name");
        }
        if (c.luks()) {
            byte[] passphrase = LuksImage.readKeyFile(image, c.keyFile());
            try {
                LuksFormat.create(image, c.size(), passphrase);
            } catch (LuksException e) {
                throw new BadInputException("cannot create " + image + ": " + e.getMessage());
            } finally {
                Arrays.fill(passphrase, (byte) 0);
            }
            System.out.println("jvisor: created " + image + ", a LUKS2 volume of " + MemorySize.format(c.size())
                    + " (aes-xts-plain64, Argon2id); boot it with --drive file=" + image + ",format=luks,key-file=" + c.keyFile());
        } else {
            createSparse(image, c.size());
            System.out.println("jvisor: created " + image + ", a raw disk of " + MemorySize.format(c.size())
                    + "; boot it with --drive file=" + image);
        }
        return 0;
    }

    private static void createSparse(Path image, long size) {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), size - 1);
        } catch (FileAlreadyExistsException e) {
            throw new BadInputException(image + " already exists: remove it first or pick another name");
        } catch (IOException e) {
            throw new BadInputException("cannot create " + image + ": " + e.getMessage());
        }
    }
}

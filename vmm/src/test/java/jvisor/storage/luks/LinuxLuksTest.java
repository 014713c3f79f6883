package jvisor.storage.luks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jvisor.boot.BootConfig;
import jvisor.boot.DeviceOptions;
import jvisor.boot.DriveOption;
import jvisor.boot.EngineChoice;
import jvisor.boot.GuestImage;
import jvisor.kit.GuestKit;
import jvisor.kit.InitScript;
import jvisor.kit.TestKits;
import jvisor.testing.Disks;
import jvisor.testing.GuestRun;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * BitVisor's storage encryption end to end: cryptsetup makes a LUKS volume, Linux on emu writes
 * plaintext to it through virtio-blk, and the host decrypts the image's sectors with the volume
 * key cryptsetup dumps and a textbook XTS over the JDK's AES, not jvisor's code.
 */
@Timeout(600)
class LinuxLuksTest {
    private static final byte[] PASSPHRASE = "jvisor test passphrase".getBytes(StandardCharsets.US_ASCII);
    /** Where the guest writes: 4 KiB blocks 8 to 263 of the plaintext disk (1 MiB). */
    private static final int FIRST_BLOCK = 8;
    private static final int BLOCKS = 256;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "luks1 pbkdf2, --type luks1 --pbkdf pbkdf2 --pbkdf-force-iterations 1000",
            "luks2 argon2id 4096-byte sectors, --type luks2 --pbkdf argon2id --pbkdf-memory 32768 --pbkdf-force-iterations 4"
                    + " --pbkdf-parallel 1 --sector-size 4096"})
    void whatTheGuestWritesIsCiphertextThatDecryptsToItsData(String name, String options) throws Exception {
        Cryptsetup.assumeInstalled();
        GuestKit.Kit kit = TestKits.kit();
        Path image = dir.resolve("secret.img");
        try (var f = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.allocate(1), (24L << 20) - 1);
        }
        Cryptsetup.format(image, PASSPHRASE, options.split(" "));
        Path key = Files.write(dir.resolve("pass.txt"), PASSPHRASE);
        long dataOffset = CryptsetupImagesTest.dataOffset(image);
        int sectorSize = name.contains("4096") ? 4096 : 512;

        Path script = Disks.script(dir, "script.img", """
                echo "plaintext size $(blockdev --getsize64 /dev/vda) block $(cat /sys/block/vda/queue/logical_block_size)"
                dd if=/dev/urandom of=/tmp/r bs=4096 count=%d 2>/dev/null
                dd if=/tmp/r of=/dev/vda bs=4096 seek=%d conv=fsync 2>/dev/null && echo "written"
                echo "guest sha $(sha256sum /tmp/r | cut -d' ' -f1)"
                echo 3 > /proc/sys/vm/drop_caches
                echo "readback sha $(dd if=/dev/vda bs=4096 skip=%d count=%d 2>/dev/null | sha256sum | cut -d' ' -f1)"
                """.formatted(BLOCKS, FIRST_BLOCK, FIRST_BLOCK, BLOCKS));
        GuestRun run = GuestRun.boot(BootConfig.of(new GuestImage.File(kit.vmlinuz()))
                .withInitrd(new GuestImage.File(kit.initrd()))
                .withCmdline(GuestKit.CMDLINE + " jvisor.script=/dev/vdb " + InitScript.TEST_OPTION)
                .withMemory(512L << 20)
                .withEngine(EngineChoice.EMU)
                .withDevices(new DeviceOptions(List.of(
                        new DriveOption(image, DriveOption.Format.LUKS, key, false, null),
                        new DriveOption(script, DriveOption.Format.RAW, null, true, null)), false, null)));

        String serial = run.serial();
        assertEquals(0, run.status(), run::toString);
        assertTrue(serial.contains(InitScript.SCRIPT_STATUS_PREFIX + "0"), run::toString);
        assertTrue(serial.contains("plaintext size " + (Files.size(image) - dataOffset) + " block " + sectorSize), run::toString);
        assertTrue(serial.contains("written"), run::toString);
        assertFalse(serial.contains("I/O error"), run::toString);
        String guestSha = field(serial, "guest sha ");
        assertEquals(guestSha, field(serial, "readback sha "), "the guest reads back what it wrote");

        byte[] volumeKey = Cryptsetup.volumeKey(image, PASSPHRASE);
        byte[] file = Files.readAllBytes(image);
        TextbookXts xts = new TextbookXts(new JdkAes());
        byte[] plain = new byte[BLOCKS * 4096];
        byte[] cipher = Arrays.copyOfRange(file, (int) dataOffset + FIRST_BLOCK * 4096, (int) dataOffset + (FIRST_BLOCK + BLOCKS) * 4096);
        for (int at = 0; at < plain.length; at += sectorSize) {
            long iv = ((long) FIRST_BLOCK * 4096 + at) / 512;   // plain64 counts 512-byte units, whatever the sector size
            byte[] sector = xts.decrypt(volumeKey, iv, Arrays.copyOfRange(cipher, at, at + sectorSize));
            System.arraycopy(sector, 0, plain, at, sectorSize);
        }
        assertEquals(guestSha, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(plain)),
                "the image's sectors decrypt to what the guest wrote");
        assertFalse(Arrays.equals(Arrays.copyOf(plain, 4096), Arrays.copyOf(cipher, 4096)), "the image does not hold the plaintext");
        assertArrayEquals(new byte[] {'L', 'U', 'K', 'S', (byte) 0xBA, (byte) 0xBE}, Arrays.copyOf(file, 6), "the header is intact");
        assertTrue(Cryptsetup.accepts(image, PASSPHRASE), "cryptsetup still opens the volume");
    }

    private static String field(String serial, String prefix) {
        Matcher m = Pattern.compile(Pattern.quote(prefix) + "([0-9a-f]{64})").matcher(serial);
        assertTrue(m.find(), () -> "no '" + prefix + "' in:\n" + serial);
        return m.group(1);
    }
}

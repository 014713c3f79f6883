package jvisor.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** --drive and the other device options, as QEMU users write them. */
class DriveOptionTest {
    @Test
    void aDriveIsAFileWithSettings() {
        DriveOption d = DriveOption.parse("file=secret.img,format=luks,key-file=pass.txt,readonly=on,serial=abc");
        assertEquals(Path.of("secret.img"), d.file());
        assertEquals(DriveOption.Format.LUKS, d.format());
        assertEquals(Path.of("pass.txt"), d.keyFile());
        assertTrue(d.readOnly());
        assertEquals("abc", d.serial());
    }

    @Test
    void aBarePathIsTheFileAndRawIsTheDefault() {
        DriveOption d = DriveOption.parse("disk.img");
        assertEquals(Path.of("disk.img"), d.file());
        assertEquals(DriveOption.Format.RAW, d.format());
        assertNull(d.keyFile());
    }

    @Test
    void aDoubledCommaIsPartOfThePath() {
        assertEquals(Path.of("a,b.img"), DriveOption.parse("file=a,,b.img,readonly=off").file());
    }

    @Test
    void mistakesAreOneClearLine() {
        assertMessage("file=d.img,format=qcow2", "unknown format 'qcow2'");
        assertMessage("file=d.img,format=luks", "format=luks needs key-file=PATH");
        assertMessage("file=d.img,key-file=k", "key-file= goes with format=luks");
        assertMessage("file=d.img,readonly=maybe", "readonly=maybe is neither on nor off");
        assertMessage("file=d.img,cache=none", "unknown setting cache=");
        assertMessage("format=raw", "names no image");
        assertMessage("file=d.img,file=e.img", "file is given twice");
        assertMessage("file=d.img,serial=" + "x".repeat(21), "serial= takes up to 20");
    }

    private static void assertMessage(String option, String part) {
        BadInputException e = assertThrows(BadInputException.class, () -> DriveOption.parse(option));
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
    }

    @Test
    void theCommandLineCollectsDrivesAndDevices() {
        CommandLine.Command c = CommandLine.parse("run", "--kernel", "k", "--drive", "file=a.img", "--drive=b.img,readonly=on",
                "--rng", "--virtio-console", "socket=/tmp/c.sock");
        BootConfig config = ((CommandLine.Command.Run) c).config();
        assertEquals(List.of(Path.of("a.img"), Path.of("b.img")),
                config.devices().drives().stream().map(DriveOption::file).toList());
        assertTrue(config.devices().rng());
        assertEquals("socket=/tmp/c.sock", config.devices().virtioConsole());
    }
}

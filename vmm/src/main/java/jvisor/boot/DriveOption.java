package jvisor.boot;

import java.nio.file.Path;
import java.util.Map;

/**
 * One {@code --drive}: {@code file=PATH[,format=raw|luks][,key-file=PATH][,readonly=on][,serial=ID]},
 * checked for form here; the file itself is opened (and a LUKS key tried) in the global stage.
 */
public record DriveOption(Path file, Format format, Path keyFile, boolean readOnly, String serial) {
    public enum Format { RAW, LUKS }

    /** The serial number virtio-blk reports is at most 20 bytes. */
    public static final int MAX_SERIAL = 20;

    public DriveOption {
        if (format == Format.LUKS && keyFile == null) {
            throw new BadInputException("--drive " + file + ": format=luks needs key-file=PATH (a file holding the passphrase)");
        }
        if (format == Format.RAW && keyFile != null) {
            throw new BadInputException("--drive " + file + ": key-file= goes with format=luks");
        }
        if (serial != null && (serial.length() > MAX_SERIAL || !serial.chars().allMatch(c -> c > 0x20 && c < 0x7F))) {
            throw new BadInputException("--drive " + file + ": serial= takes up to 20 printable ASCII characters");
        }
    }

    public static DriveOption parse(String text) {
        Map<String, String> o = OptionList.parse("--drive", text, "file");
        String file = o.remove("file");
        if (file == null || file.isEmpty()) {
            throw new BadInputException("--drive '" + text + "' names no image: use --drive file=disk.img");
        }
        String formatText = o.getOrDefault("format", "raw");
        o.remove("format");
        Format format = switch (formatText) {
            case "raw" -> Format.RAW;
            case "luks" -> Format.LUKS;
            default -> throw new BadInputException("--drive " + file + ": unknown format '" + formatText
                    + "': use format=raw or format=luks");
        };
        String key = o.remove("key-file");
        String ro = o.remove("readonly");
        String serial = o.remove("serial");
        if (!o.isEmpty()) {
            throw new BadInputException("--drive " + file + ": unknown setting " + o.keySet().iterator().next()
                    + "= (use file, format, key-file, readonly, serial)");
        }
        return new DriveOption(Path.of(file), format, key == null ? null : Path.of(key),
                ro != null && OptionList.bool("--drive", "readonly", ro), serial);
    }
}

package jvisor.storage;

import java.util.ArrayList;
import java.util.List;
import jvisor.boot.DriveOption;
import jvisor.core.InitFunction;
import jvisor.core.Processor;
import jvisor.core.Stage;
import jvisor.core.Vmm;

/**
 * The disk images the user named, opened in the global stage: before guest RAM or any processor
 * exists, a missing file, a locked image or a wrong LUKS key ends the run with one line, and the
 * image is untouched. The driver stage makes a virtio-blk device of each.
 */
public record Drives(List<Drive> drives) {
    /** An opened image and the options it came from. */
    public record Drive(DriveOption option, BlockBackend backend) { }

    public Drives {
        drives = List.copyOf(drives);
    }

    @InitFunction(stage = Stage.GLOBAL, order = 0)
    public static void openDrives(Processor p) {
        Vmm vmm = p.vmm();
        List<Drive> opened = new ArrayList<>();
        for (DriveOption option : vmm.config().devices().drives()) {
            BlockBackend backend = open(option);
            vmm.onTeardown(backend);
            opened.add(new Drive(option, backend));
            vmm.trace().step(p, "open_drive", backend.description());
        }
        vmm.provide(Drives.class, new Drives(opened));
    }

    /** Opens one drive as its options say. */
    public static BlockBackend open(DriveOption option) {
        return switch (option.format()) {
            case RAW -> RawImage.open(option.file(), option.readOnly());
            case LUKS -> LuksImage.open(option.file(), option.keyFile(), option.readOnly());
        };
    }
}

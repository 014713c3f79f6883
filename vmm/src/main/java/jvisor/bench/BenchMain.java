package jvisor.bench;

import java.util.List;
import jvisor.boot.BadInputException;

/** The benchmark harness: prints figures measured against a reference taken in the same run. */
public final class BenchMain {
    private BenchMain() { }

    public static int run(List<String> args) {
        if (args.isEmpty()) {
            throw new BadInputException("name a benchmark: ./jvisor bench exit [iterations=N] [rounds=N] | emu [guest[:scale] ...] [--no-qemu]"
                    + " | boot [rounds=N] [cpus=N] [memory=512M] [kit=DIR] [--no-qemu]"
                    + " | firmware [rounds=N] [memory=512M] [disk=FILE] [--no-qemu]"
                    + " | disk [rounds=N] [size=128M] [ops=N] [--no-qemu] | xts [rounds=N] [--no-openssl] [--no-unlock]"
                    + " | net [rounds=N] [size=64M] [pings=N] [--no-qemu] | netstack [size=MiB] [rounds=N]");
        }
        List<String> rest = args.subList(1, args.size());
        return switch (args.get(0)) {
            case "exit" -> KvmExitBench.run(rest);
            case "emu" -> EmuBench.run(rest);
            case "boot" -> BootBench.run(rest);
            case "firmware" -> FirmwareBench.run(rest);
            case "disk" -> DiskBench.run(rest);
            case "xts" -> XtsBench.run(rest);
            case "net" -> NetBench.run(rest);
            case "netstack" -> NetStackBench.run(rest);
            default -> throw new BadInputException("unknown benchmark '" + args.get(0)
                    + "': use exit, emu, boot, firmware, disk, xts, net or netstack");
        };
    }
}

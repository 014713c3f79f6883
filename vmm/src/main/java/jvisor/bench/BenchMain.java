package jvisor.bench;

import java.util.List;
import jvisor.boot.BadInputException;

/** The benchmark harness: prints figures measured against a reference taken in the same run. */
public final class BenchMain {
    private BenchMain() { }

    public static int run(List<String> args) {
        if (!args.isEmpty() && args.get(0).equals("emu")) {
            return EmuBench.run(args.subList(1, args.size()));
        }
        throw new BadInputException("unknown benchmark: use ./jvisor bench emu [guest ...] [--no-qemu]");
    }
}

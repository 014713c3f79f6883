package jvisor.bench;

import java.util.List;
import jvisor.boot.BadInputException;

/** The benchmark harness: prints figures measured against a reference taken in the same run. */
public final class BenchMain {
    private BenchMain() { }

    public static int run(List<String> args) {
        throw new BadInputException("no benchmarks yet");
    }
}

package jvisor.kit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;

/** The guest kit for tests: fetched (or reused from the cache) once per test run, or the test is skipped. */
public final class TestKits {
    private static GuestKit.Kit kit;
    private static String failure;

    private TestKits() { }

    /** The kit, or the calling test is skipped with the reason it cannot be had here. */
    public static synchronized GuestKit.Kit kit() {
        for (String tool : List.of("apt-get", "apt-cache", "dpkg-deb")) {
            assumeTrue(DebianPackages.available(tool), tool + " is not installed: no Debian packages for the guest kit");
        }
        if (kit == null && failure == null) {
            try {
                kit = new GuestKit(GuestKit.defaultRoot(), Progress.printing(System.out, false)).fetch();
            } catch (KitException e) {
                failure = e.getMessage();
            }
        }
        assumeTrue(kit != null, () -> "the guest kit cannot be fetched here: " + failure);
        return kit;
    }
}

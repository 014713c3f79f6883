package jvisor.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    private static BootConfig run(String... args) {
        return assertInstanceOf(CommandLine.Command.Run.class, CommandLine.parse(args)).config();
    }

    private static String error(String... args) {
        return assertThrows(BadInputException.class, () -> CommandLine.parse(args)).getMessage();
    }

    @Test
    void runTakesEveryOptionInBothSpellings() {
        BootConfig c = run("run", "--kernel", "k.elf", "--cmdline=a b", "--cpus", "4", "--memory=256M",
                "--engine", "emu", "--trace-boot", "--stats", "--module", "m1", "--initrd", "i");
        assertEquals(new GuestImage.File(Path.of("k.elf")), c.kernel());
        assertEquals("a b", c.cmdline());
        assertEquals(4, c.cpus());
        assertEquals(256L << 20, c.memory());
        assertEquals(EngineChoice.EMU, c.engine());
        assertTrue(c.traceBoot() && c.stats());
        assertEquals(1, c.modules().size());
    }

    @Test
    void cpuChoosesTheVendorOnly() {
        assertEquals(null, run("run", "--kernel", "k").vendor(), "the engine's own by default");
        assertEquals(jvisor.engine.CpuVendor.AMD, run("run", "--kernel", "k", "--cpu", "vendor=AuthenticAMD").vendor());
        assertEquals(jvisor.engine.CpuVendor.INTEL, run("run", "--kernel", "k", "--cpu=vendor=GenuineIntel").vendor());
        assertTrue(error("run", "--kernel", "k", "--cpu", "vendor=CyrixInstead").contains("GenuineIntel or AuthenticAMD"));
        assertTrue(error("run", "--kernel", "k", "--cpu", "Opteron_G1").contains("only vendor="));
    }

    @Test
    void demoBootsTheBuiltInGuestOnTwoProcessors() {
        BootConfig c = run("demo");
        assertEquals(new GuestImage.Builtin("demo"), c.kernel());
        assertEquals(2, c.cpus());
        assertEquals(EngineChoice.AUTO, c.engine());
    }

    @Test
    void demoLinuxBootsTheKitOnTwoProcessorsWithTheUsersOptionsOnTop() {
        CommandLine.Command.LinuxDemo demo = assertInstanceOf(CommandLine.Command.LinuxDemo.class,
                CommandLine.parse("demo", "linux", "--cpus", "1", "--engine", "emu"));
        BootConfig c = CommandLine.linuxDemoConfig("/kit/vmlinuz", "/kit/initrd.img", "console=ttyS0", demo.options());
        assertEquals(new GuestImage.File(Path.of("/kit/vmlinuz")), c.kernel());
        assertEquals(new GuestImage.File(Path.of("/kit/initrd.img")), c.initrd());
        assertEquals(1, c.cpus());
        assertEquals(512L << 20, c.memory());
        assertEquals(EngineChoice.EMU, c.engine());
        assertTrue(error("demo", "linux", "--initrd=x").contains("does not go with demo linux"));
        assertTrue(error("demo", "linux", "--cpus", "0").startsWith("--cpus 0 is out of range"));
    }

    @Test
    void netTakesTheUserStackWithForwardsOrATapDeviceOnce() {
        jvisor.net.NetOptions.User user = assertInstanceOf(jvisor.net.NetOptions.User.class,
                run("run", "--kernel", "k", "--net", "user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp::2222-:22").devices().net());
        assertEquals(2, user.forwards().size());
        jvisor.net.NetOptions.Tap tap = assertInstanceOf(jvisor.net.NetOptions.Tap.class,
                run("run", "--kernel", "k", "--net=tap,ifname=tap0").devices().net());
        assertEquals("tap0", tap.ifname());
        assertEquals(null, run("run", "--kernel", "k").devices().net());
        assertEquals("--net is given twice: jvisor gives the guest one network card",
                error("run", "--kernel", "k", "--net", "user", "--net", "user"));
        assertTrue(error("run", "--kernel", "k", "--net").startsWith("--net needs a value: user"));
        assertTrue(error("run", "--kernel", "k", "--net", "slirp").startsWith("--net 'slirp': the back end is user or tap"));
        assertTrue(error("run", "--kernel", "k", "--net", "tap").startsWith("--net tap needs the device: tap,ifname=tap0"));
        assertTrue(CommandLine.usage().contains("--net user[,hostfwd="));
    }

    @Test
    void deviceTakesEduAndIntelIommuAsKvmUnitTestsAskForThem() {
        DeviceOptions d = run("run", "--kernel", "k", "--device", "edu", "--device=intel-iommu,intremap=on,eim=off").devices();
        assertEquals(java.util.List.of(new ModelDevice.Edu(), new ModelDevice.IntelIommu(true)), d.models());
        assertEquals(new ModelDevice.IntelIommu(false), run("run", "--kernel", "k", "--device", "intel-iommu").devices()
                .model(ModelDevice.IntelIommu.class).orElseThrow());
        assertEquals(java.util.Optional.empty(), run("run", "--kernel", "k").devices().model(ModelDevice.Edu.class));
        assertEquals("--device 'e1000': use edu or intel-iommu[,intremap=on]", error("run", "--kernel", "k", "--device", "e1000"));
        assertEquals("--device intel-iommu: 'eim=on' is not supported; use intremap=on|off (and eim=off)",
                error("run", "--kernel", "k", "--device", "intel-iommu,eim=on"));
        assertEquals("--device edu and --device intel-iommu each go once",
                error("run", "--kernel", "k", "--device", "edu", "--device", "edu"));
    }

    @Test
    void mistakesGetOneLineNamingTheFix() {
        assertEquals("--cpus 0 is out of range: use 1 to 64", error("run", "--kernel", "k", "--cpus", "0"));
        assertEquals("--cpus 65 is out of range: use 1 to 64", error("run", "--kernel", "k", "--cpus", "65"));
        assertEquals("--cpus 0 is out of range: use 1 to 64", error("run", "--cpus", "0"), "before the missing guest");
        assertTrue(error("run", "--memory", "1M").startsWith("--memory 1M is too small"), "before the missing guest");
        assertEquals("--cpus 'two' is not a number", error("run", "--kernel", "k", "--cpus", "two"));
        assertEquals("--memory '12Q' is not a size: write e.g. 128M or 2G", error("run", "--kernel", "k", "--memory", "12Q"));
        assertTrue(error("run", "--kernel", "k", "--memory", "1M").startsWith("--memory 1M is too small"));
        assertTrue(error("run", "--kernel", "k", "--memory", "64T").contains("is more than this host can give"));
        assertEquals("unknown engine 'vmx': use --engine kvm, emu or auto", error("run", "--kernel", "k", "--engine", "vmx"));
        assertEquals("unknown option '--frobnicate'; see ./jvisor help", error("run", "--frobnicate"));
        assertEquals("--kernel needs a value: the path of a multiboot image or a Linux bzImage", error("run", "--kernel"));
        assertTrue(error("run").startsWith("nothing to boot"));
        assertTrue(error("run", "--kernel", "k", "--firmware", "bios.bin").contains("does not go with --kernel"));
        assertTrue(error("run", "--drive", "file=d.img", "--cmdline", "x").contains("need --kernel"));
        assertTrue(error("run", "--drive", "file=d.img", "--display", "sdl").contains("use curses or none"));
        assertTrue(error("launch").startsWith("unknown command 'launch'"));
        assertTrue(error("demo", "--kernel", "x").contains("does not go with demo"));
        assertEquals("--stats takes no value", error("run", "--kernel", "k", "--stats=yes"));
    }

    @Test
    void memorySizesParseAsUsersWriteThem() {
        assertEquals(128L << 20, MemorySize.parse("128M"));
        assertEquals(128L << 20, MemorySize.parse("128MiB"));
        assertEquals(2L << 30, MemorySize.parse("2g"));
        assertEquals(65536L << 10, MemorySize.parse("65536K"));
        assertEquals(4096, MemorySize.parse("4096"));
        assertEquals("128M", MemorySize.format(128L << 20));
        assertThrows(BadInputException.class, () -> MemorySize.parse("M"));
        assertThrows(BadInputException.class, () -> MemorySize.parse("-5M"));
        assertThrows(BadInputException.class, () -> MemorySize.parse("99999999999999999999"));
    }
}

package jvisor.net.tap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jvisor.boot.BadInputException;
import jvisor.net.NetOptions;
import jvisor.sys.FdIo;
import jvisor.sys.Ioctl;
import jvisor.sys.Posix;
import jvisor.sys.PosixException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A descriptor attached to an existing TAP device through {@code /dev/net/tun} (Linux's
 * Documentation/networking/tuntap.rst): Ethernet frames without the packet-information prefix,
 * optionally each behind a virtio-net header. Only attaches: where the device is missing it says
 * how to create one instead of creating it (TUNSETIFF would, for root), so a typo does not leave
 * an unconfigured device behind.
 */
final class TunDevice implements AutoCloseable {
    static final int IFF_TAP = 0x0002;
    static final int IFF_NO_PI = 0x1000;
    static final int IFF_VNET_HDR = 0x4000;
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    /** struct ifreq: a 16-byte name, then a union whose first member is the short flags. */
    static final int IFREQ_SIZE = 40;
    static final int IFNAMSIZ = 16;
    private static final long IOC_WRITE = 1;
    private static final int TUN_TYPE = 'T';
    static final long TUNSETIFF = ioc(IOC_WRITE, 202, 4);
    static final long TUNSETOFFLOAD = ioc(IOC_WRITE, 208, 4);
    static final long TUNSETVNETHDRSZ = ioc(IOC_WRITE, 216, 4);
    static final Path DEVICE = Path.of("/dev/net/tun");
    static final Path SYS_NET = Path.of("/sys/class/net");

    final int fd;
    final String name;
    final boolean vnetHeader;

    private TunDevice(int fd, String name, boolean vnetHeader) {
        this.fd = fd;
        this.name = name;
        this.vnetHeader = vnetHeader;
    }

    /** The kernel's {@code _IOC(dir, 'T', nr, size)}. */
    static long ioc(long direction, int nr, long size) {
        return direction << 30 | size << 16 | (long) TUN_TYPE << 8 | nr;
    }

    /** Attaches to the TAP device {@code name}; every failure is one line saying what to do. */
    static TunDevice attach(String name, boolean vnetHeader) {
        String option = NetOptions.OPTION + " tap,ifname=" + name + ": ";
        checkIsTap(name, option);
        int fd;
        try {
            fd = Posix.open(DEVICE.toString(), Posix.O_RDWR | Posix.O_CLOEXEC | FdIo.O_NONBLOCK);
        } catch (PosixException e) {
            throw new BadInputException(option + switch (e.errno()) {
                case Posix.ENOENT -> "/dev/net/tun is missing; load the tun module (modprobe tun)";
                case Posix.EACCES, Posix.EPERM -> "cannot open /dev/net/tun (" + Posix.strerror(e.errno()) + "); run as root or make it readable and writable for your user";
                default -> "cannot open /dev/net/tun: " + Posix.strerror(e.errno());
            });
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Posix.newErrnoBuffer(arena);
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(n, 0, ifreq, JAVA_BYTE, 0, n.length);
            ifreq.set(JAVA_SHORT, IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI | (vnetHeader ? IFF_VNET_HDR : 0)));
            if (Ioctl.call(errno, fd, TUNSETIFF, ifreq) < 0) {
                int err = Posix.errno(errno);
                Posix.close(fd);
                throw new BadInputException(option + switch (err) {
                    case Posix.EPERM, Posix.EACCES -> "not permitted to attach; run as root, or create the device for your user: "
                            + "ip tuntap add dev " + name + " mode tap user $(id -un)";
                    case FdIo.EBUSY -> "the device is in use by another process";
                    case FdIo.EINVAL -> "the device refuses these flags (a multi_queue or TUN device?); recreate it: ip tuntap add dev " + name + " mode tap";
                    default -> "TUNSETIFF failed: " + Posix.strerror(err);
                });
            }
            if (vnetHeader) {
                MemorySegment size = arena.allocate(JAVA_INT);
                size.set(JAVA_INT, 0, VirtioNetHeader.SIZE);
                if (Ioctl.call(errno, fd, TUNSETVNETHDRSZ, size) < 0) {
                    int err = Posix.errno(errno);
                    Posix.close(fd);
                    throw new BadInputException(option + "TUNSETVNETHDRSZ failed: " + Posix.strerror(err) + "; try vnet_hdr=off");
                }
            }
        }
        return new TunDevice(fd, name, vnetHeader);
    }

    /** The device must exist and be a TAP (not TUN) device, as sysfs shows it. */
    private static void checkIsTap(String name, String option) {
        Path device = SYS_NET.resolve(name);
        if (!Files.exists(device)) {
            throw new BadInputException(option + "there is no network device " + name + "; create it: ip tuntap add dev "
                    + name + " mode tap user $(id -un) && ip link set " + name + " up");
        }
        Path flags = device.resolve("tun_flags");
        int value;
        try {
            value = Integer.decode(Files.readString(flags).strip());
        } catch (IOException | NumberFormatException e) {
            throw new BadInputException(option + name + " is not a TUN/TAP device; name one made with: ip tuntap add dev NAME mode tap");
        }
        if ((value & IFF_TAP) == 0) {
            throw new BadInputException(option + name + " is a TUN device (IP packets), not TAP (Ethernet frames); create one with mode tap");
        }
    }

    /** Asks the kernel for frames with these offloads ({@link #TUN_F_CSUM}, {@link #TUN_F_TSO4}); false if it refuses. */
    boolean offload(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Posix.newErrnoBuffer(arena);
            return Ioctl.call(errno, fd, TUNSETOFFLOAD, (long) flags) == 0;
        }
    }

    @Override
    public void close() {
        Posix.close(fd);
    }
}

package jvisor.devices;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import jvisor.bus.PcLayout;
import jvisor.bus.PortHandler;
import jvisor.core.InitFunction;
import jvisor.core.PassVm;
import jvisor.core.Processor;
import jvisor.core.Stage;

/**
 * QEMU's firmware configuration device through its traditional I/O interface: a 16-bit selector
 * at 0x510 picks an item, 8-bit reads of 0x511 return its bytes one after another and zeros past
 * the end. Carries QEMU's standard items and a directory of named files that other code adds
 * before the guest starts. The DMA interface is not implemented, so the ID item does not
 * advertise it and guests use the port interface.
 */
public final class FwCfg implements PortHandler {
    public static final int PORTS = 2;

    static final int SIGNATURE = 0x0000;
    static final int ID = 0x0001;
    static final int UUID = 0x0002;
    static final int RAM_SIZE = 0x0003;
    static final int NB_CPUS = 0x0005;
    static final int NUMA = 0x000D;
    static final int BOOT_MENU = 0x000E;
    static final int MAX_CPUS = 0x000F;
    static final int FILE_DIR = 0x0019;
    static final int FILE_FIRST = 0x0020;
    /** Bit 14 marks a write through the data port, which QEMU has ignored since 2.4. */
    static final int WRITE_CHANNEL = 0x4000;
    /** Bit 15 selects the architecture's own items; jvisor has none. */
    static final int ARCH_LOCAL = 0x8000;
    static final int ENTRY_MASK = 0x3FFF;

    static final int ID_TRADITIONAL = 0x01;
    static final int FILE_NAME_SIZE = 56;
    static final int DIRECTORY_ENTRY_SIZE = 64;
    /** Selectors for files run from 0x20 up to just below the write-channel bit. */
    static final int MAX_FILES = WRITE_CHANNEL - FILE_FIRST;

    private static final byte[] NOTHING = new byte[0];

    private final Map<Integer, byte[]> items = new HashMap<>();
    private final TreeMap<String, byte[]> files = new TreeMap<>();
    private byte[] selected = NOTHING;
    private int offset;

    /** QEMU's standard items for a machine with {@code ramBytes} of RAM and {@code cpus} processors. */
    public FwCfg(long ramBytes, int cpus) {
        items.put(SIGNATURE, "QEMU".getBytes(StandardCharsets.US_ASCII));
        items.put(ID, le(4, ID_TRADITIONAL));
        items.put(UUID, new byte[16]);
        items.put(RAM_SIZE, le(8, ramBytes));
        items.put(NB_CPUS, le(2, cpus));
        items.put(MAX_CPUS, le(2, cpus));
        // No NUMA nodes: QEMU's layout is a node count, then one node per CPU, all zero here.
        items.put(NUMA, new byte[8 * (1 + cpus)]);
        items.put(BOOT_MENU, le(2, 0));
        items.put(FILE_DIR, directory());
    }

    @InitFunction(stage = Stage.DRIVER, order = 0)
    public static void attach(Processor p) {
        PassVm vm = p.vm();
        FwCfg fwCfg = new FwCfg(vm.ram().size(), vm.cpuCount());
        p.vmm().provided(jvisor.firmware.FirmwareBoot.FirmwareFiles.class)
                .ifPresent(f -> f.files().forEach(fwCfg::addFile));
        vm.ports().register(PcLayout.FW_CFG, PORTS, fwCfg, "fw_cfg");
        vm.addDevice(FwCfg.class, fwCfg);
    }

    /**
     * Adds a named file (e.g. "etc/e820") for the guest's firmware to find in the directory. Call it
     * before the guest starts: selectors follow name order, so adding a file renumbers the later ones.
     */
    public synchronized void addFile(String name, byte[] data) {
        byte[] encoded = name.getBytes(StandardCharsets.US_ASCII);
        if (name.isEmpty() || encoded.length >= FILE_NAME_SIZE || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad fw_cfg file name: \"" + name + "\"");
        }
        if (files.containsKey(name)) {
            throw new IllegalStateException("fw_cfg file " + name + " added twice");
        }
        if (files.size() >= MAX_FILES) {
            throw new IllegalStateException("fw_cfg has no selector left for " + name);
        }
        files.put(name, data.clone());
        items.put(FILE_DIR, directory());
        int key = FILE_FIRST;
        for (byte[] contents : files.values()) {
            items.put(key++, contents);
        }
    }

    /** The directory: a big-endian count, then {size, selector, reserved, name[56]} per file, sorted by name. */
    private byte[] directory() {
        ByteBuffer dir = ByteBuffer.allocate(4 + DIRECTORY_ENTRY_SIZE * files.size()).order(ByteOrder.BIG_ENDIAN);
        dir.putInt(files.size());
        int key = FILE_FIRST;
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            dir.putInt(file.getValue().length);
            dir.putShort((short) key++);
            dir.putShort((short) 0);
            dir.put(Arrays.copyOf(file.getKey().getBytes(StandardCharsets.US_ASCII), FILE_NAME_SIZE));
        }
        return dir.array();
    }

    @Override
    public synchronized int read(int port, int size) {
        if (port == PcLayout.FW_CFG + 1 && size == 1) {
            return offset < selected.length ? selected[offset++] & 0xFF : 0;
        }
        return PortHandler.floating(size);
    }

    /** Only a 16-bit write to the selector counts; data-port writes are ignored, as in QEMU. */
    @Override
    public synchronized void write(int port, int size, int value) {
        if (port == PcLayout.FW_CFG && size == 2) {
            select(value & 0xFFFF);
        }
    }

    private void select(int key) {
        offset = 0;
        byte[] item = (key & ARCH_LOCAL) != 0 ? null : items.get(key & ENTRY_MASK);
        selected = item == null ? NOTHING : item;
    }

    private static byte[] le(int size, long value) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (value >>> (8 * i));
        }
        return bytes;
    }
}

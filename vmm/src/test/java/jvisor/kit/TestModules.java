package jvisor.kit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Minimal ELF64 relocatable "modules": only the section headers and the .modinfo section insmod and the kit read. */
final class TestModules {
    private TestModules() { }

    static byte[] module(String name, String depends) {
        byte[] modinfo = ("license=GPL\0depends=" + depends + "\0name=" + name + "\0vermagic=6.1.0 SMP\0")
                .getBytes(StandardCharsets.UTF_8);
        byte[] strtab = "\0.modinfo\0.shstrtab\0".getBytes(StandardCharsets.UTF_8);
        int modinfoAt = 64;
        int strtabAt = modinfoAt + modinfo.length;
        int shoff = (strtabAt + strtab.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(shoff + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464C_457F).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putShort(16, (short) 1).putShort(18, (short) 62).putLong(0x28, shoff);
        b.putShort(0x3A, (short) 64).putShort(0x3C, (short) 3).putShort(0x3E, (short) 2);
        b.put(modinfoAt, modinfo).put(strtabAt, strtab);
        section(b, shoff + 64, 1, modinfoAt, modinfo.length);
        section(b, shoff + 128, 10, strtabAt, strtab.length);
        return b.array();
    }

    private static void section(ByteBuffer b, int at, int name, long offset, long size) {
        b.putInt(at, name).putInt(at + 4, 1).putLong(at + 0x18, offset).putLong(at + 0x20, size);
    }
}

package jvisor.guest.linux;

import io.airlift.compress.v3.zstd.ZstdJavaOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPOutputStream;
import org.tukaani.xz.FilterOptions;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;
import org.tukaani.xz.X86Options;
import org.tukaani.xz.XZOutputStream;

/**
 * Small bzImages built for tests: a boot sector and one setup sector with the setup header, then
 * a protected-mode kernel whose payload is a tiny vmlinux ELF, compressed the way kernels are.
 * Every field can be changed to make a broken image.
 */
final class TestBzImage {
    static final long TEXT = 0x100_0000;
    static final long DATA = 0x120_0000;
    static final int TEXT_SIZE = 0x300;
    static final int DATA_FILE_SIZE = 0x40;
    static final long DATA_MEMORY_SIZE = 0x3000;
    static final int PAYLOAD_OFFSET = 0x80;
    static final int SETUP_SECTS = 1;

    int version = 0x020F;
    int xloadflags = SetupHeader.XLF_KERNEL_64 | SetupHeader.XLF_CAN_BE_LOADED_ABOVE_4G;
    long pref = TEXT;
    long initSize = 0x40_0000;
    long initrdAddrMax = 0x7FFF_FFFFL;
    long cmdlineSize = 2047;
    int bootFlag = SetupHeader.BOOT_FLAG_VALUE;
    int magic = SetupHeader.HDRS;
    KernelPayload.Format format = KernelPayload.Format.XZ;
    /** Overrides the decompressed-size trailer when not -1. */
    long trailer = -1;
    long entry = TEXT;

    /** The vmlinux the payload holds: a text segment (entry at its start) and a data segment with bss. */
    byte[] vmlinux() {
        int phoff = 64;
        int textOffset = 0x1000;
        int dataOffset = textOffset + TEXT_SIZE;
        ByteBuffer b = ByteBuffer.allocate(dataOffset + DATA_FILE_SIZE + 0x20).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464C_457F).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
        b.putShort(16, (short) VmlinuxElf.ET_EXEC).putShort(18, (short) VmlinuxElf.EM_X86_64).putInt(20, 1);
        b.putLong(24, entry).putLong(32, phoff).putShort(52, (short) 64).putShort(54, (short) 56).putShort(56, (short) 2);
        segment(b, phoff, 5, textOffset, 0xFFFF_FFFF_8100_0000L, TEXT, TEXT_SIZE, TEXT_SIZE);
        segment(b, phoff + 56, 6, dataOffset, 0xFFFF_FFFF_8120_0000L, DATA, DATA_FILE_SIZE, DATA_MEMORY_SIZE);
        for (int i = 0; i < TEXT_SIZE; i++) {
            b.put(textOffset + i, (byte) (0x90 + i));
        }
        for (int i = 0; i < DATA_FILE_SIZE; i++) {
            b.put(dataOffset + i, (byte) (0x40 + i));
        }
        // What the kernel's build appends after the ELF: relocation entries, which jvisor ignores.
        b.putLong(dataOffset + DATA_FILE_SIZE + 8, 0x1234_5678L);
        return b.array();
    }

    private static void segment(ByteBuffer b, int at, int flags, long offset, long vaddr, long paddr, long filesz,
                                long memsz) {
        b.putInt(at, VmlinuxElf.PT_LOAD).putInt(at + 4, flags).putLong(at + 8, offset).putLong(at + 16, vaddr)
                .putLong(at + 24, paddr).putLong(at + 32, filesz).putLong(at + 40, memsz).putLong(at + 48, 0x20_0000);
    }

    byte[] build() {
        byte[] elf = vmlinux();
        byte[] compressed = compress(format, elf);
        int setup = (SETUP_SECTS + 1) * 512;
        int payloadLength = compressed.length + 4;
        int kernelSize = (PAYLOAD_OFFSET + payloadLength + 15) & ~15;
        ByteBuffer b = ByteBuffer.allocate(setup + kernelSize).order(ByteOrder.LITTLE_ENDIAN);
        b.put(SetupHeader.START, (byte) SETUP_SECTS);
        b.putInt(0x1F4, kernelSize / 16);
        b.putShort(SetupHeader.BOOT_FLAG, (short) bootFlag);
        b.put(SetupHeader.JUMP, (byte) 0xEB).put(SetupHeader.JUMP + 1, (byte) (0x6A));
        b.putInt(SetupHeader.MAGIC, magic);
        b.putShort(SetupHeader.VERSION, (short) version);
        b.putShort(SetupHeader.KERNEL_VERSION, (short) 0x100);
        b.put(0x300, "6.1.0-test (jvisor@test) #1".getBytes());
        b.put(SetupHeader.LOADFLAGS, (byte) SetupHeader.LOADED_HIGH);
        b.putInt(SetupHeader.INITRD_ADDR_MAX, (int) initrdAddrMax);
        b.putInt(SetupHeader.KERNEL_ALIGNMENT, 0x20_0000);
        b.put(SetupHeader.RELOCATABLE_KERNEL, (byte) 1);
        b.put(0x235, (byte) 21);
        b.putShort(SetupHeader.XLOADFLAGS, (short) xloadflags);
        b.putInt(SetupHeader.CMDLINE_SIZE, (int) cmdlineSize);
        b.putInt(SetupHeader.PAYLOAD_OFFSET, PAYLOAD_OFFSET);
        b.putInt(SetupHeader.PAYLOAD_LENGTH, payloadLength);
        b.putLong(SetupHeader.PREF_ADDRESS, pref);
        b.putInt(SetupHeader.INIT_SIZE, (int) initSize);
        for (int i = 0; i < PAYLOAD_OFFSET; i++) {
            b.put(setup + i, (byte) (0xC0 + i));
        }
        b.put(setup + PAYLOAD_OFFSET, compressed);
        b.putInt(setup + PAYLOAD_OFFSET + compressed.length, (int) (trailer >= 0 ? trailer : elf.length));
        return b.array();
    }

    static byte[] compress(KernelPayload.Format format, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream c = switch (format) {
            case GZIP -> new GZIPOutputStream(out);
            case XZ -> new XZOutputStream(out, new FilterOptions[] {new X86Options(), new LZMA2Options()},
                    org.tukaani.xz.XZ.CHECK_CRC32);
            case ZSTD -> new ZstdJavaOutputStream(out);
            case LZMA -> new LZMAOutputStream(out, new LZMA2Options(), data.length);
            case BZIP2 -> new MagicOnly(out, new byte[] {'B', 'Z', 'h', '9'});
            case LZ4, LZO, UNKNOWN -> new MagicOnly(out, new byte[] {0x7, 0x7, 0x7, 0x7});
        }) {
            c.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Stands in for a compressor jvisor does not support: only the magic matters. */
    private static final class MagicOnly extends OutputStream {
        private final OutputStream out;

        MagicOnly(OutputStream out, byte[] magic) throws IOException {
            this.out = out;
            out.write(magic);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }
    }
}

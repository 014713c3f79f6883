package jvisor.guest.tables;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jvisor.engine.GuestMemory;

/**
 * Reads firmware tables back out of guest RAM the way a guest does, written apart from the
 * builders: scan for the signature, check every checksum and length, follow the pointers.
 */
final class FirmwareReader {
    private final GuestMemory ram;

    FirmwareReader(GuestMemory ram) {
        this.ram = ram;
    }

    /** A table found in RAM: where it is and its bytes. */
    record Table(long address, byte[] bytes) {
        String signature() {
            return new String(bytes, 0, 4, StandardCharsets.US_ASCII);
        }

        int u8(int at) {
            return bytes[at] & 0xFF;
        }

        int u16(int at) {
            return u8(at) | u8(at + 1) << 8;
        }

        long u32(int at) {
            return (u16(at) | (long) u16(at + 2) << 16) & 0xFFFF_FFFFL;
        }

        long u64(int at) {
            return u32(at) | u32(at + 4) << 32;
        }

        String ascii(int at, int n) {
            return new String(bytes, at, n, StandardCharsets.US_ASCII);
        }
    }

    static int sum(byte[] b, int from, int to) {
        int s = 0;
        for (int i = from; i < to; i++) {
            s += b[i];
        }
        return s & 0xFF;
    }

    /** The first 16-byte aligned {@code signature} in {@code [from, to)}, or null. */
    Long scan(String signature, long from, long to) {
        byte[] sig = signature.getBytes(StandardCharsets.US_ASCII);
        for (long a = from; a + sig.length <= to; a += 16) {
            if (java.util.Arrays.equals(ram.read(a, sig.length), sig)) {
                return a;
            }
        }
        return null;
    }

    Table raw(long address, int length) {
        return new Table(address, ram.read(address, length));
    }

    /** An ACPI table with a header at {@code address}, whose checksum must be right. */
    Table acpi(long address, String signature) {
        int length = ram.read32(address + 4);
        if (length < 36 || length > 0x10000) {
            throw new AssertionError("implausible length " + length + " at " + Long.toHexString(address));
        }
        Table t = raw(address, length);
        if (!t.signature().equals(signature)) {
            throw new AssertionError("expected " + signature + " at " + Long.toHexString(address) + ", found "
                    + t.signature());
        }
        if (sum(t.bytes(), 0, length) != 0) {
            throw new AssertionError(signature + " checksum is wrong");
        }
        return t;
    }

    /** The RSDP, scanned for in the BIOS area, with both checksums checked. */
    Table rsdp() {
        Long at = scan("RSD PTR ", 0xE0000, 0x100000);
        if (at == null) {
            throw new AssertionError("no RSDP in 0xE0000-0xFFFFF");
        }
        Table r = raw(at, 36);
        if (sum(r.bytes(), 0, 20) != 0 || sum(r.bytes(), 0, (int) r.u32(20)) != 0) {
            throw new AssertionError("RSDP checksums are wrong");
        }
        return r;
    }

    /** The tables the XSDT lists, by signature, checked. */
    List<Table> described() {
        Table xsdt = acpi(rsdp().u64(24), "XSDT");
        List<Table> out = new ArrayList<>();
        for (int at = 36; at < xsdt.bytes().length; at += 8) {
            long a = xsdt.u64(at);
            out.add(acpi(a, raw(a, 4).signature()));
        }
        return out;
    }

    Table described(String signature) {
        return described().stream().filter(t -> t.signature().equals(signature)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + signature + " in the XSDT"));
    }

    /** Entries of the MADT after its fixed part: each {type, length, body...}. */
    static List<byte[]> madtEntries(Table madt) {
        List<byte[]> entries = new ArrayList<>();
        for (int at = 44; at < madt.bytes().length; ) {
            int length = madt.u8(at + 1);
            if (length < 2) {
                throw new AssertionError("MADT entry with length " + length);
            }
            entries.add(java.util.Arrays.copyOfRange(madt.bytes(), at, at + length));
            at += length;
        }
        return entries;
    }
}

package jvisor.firmware;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tiny raw disks for firmware tests: a boot sector written out instruction by instruction. */
final class BootSectors {
    static final int LOAD_ADDRESS = 0x7C00;
    /** The boot sector ends the run through the debug-exit port with this value: status (0x21 << 1) | 1. */
    static final int EXIT_VALUE = 0x21;
    static final int EXIT_STATUS = (EXIT_VALUE << 1) | 1;

    private BootSectors() { }

    /**
     * A boot sector that prints {@code message} through the BIOS's teletype output (INT 10h,
     * AH=0Eh), waits eight timer ticks with interrupts on (SeaBIOS's serial console flushes on
     * the timer), then writes {@link #EXIT_VALUE} to the debug-exit port.
     */
    static byte[] printing(String message) {
        int msg = 32;
        byte[] code = {
            0x31, (byte) 0xC0,                                        // xor ax, ax
            (byte) 0x8E, (byte) 0xD8,                                 // mov ds, ax
            (byte) 0xBE, (byte) (LOAD_ADDRESS + msg), (byte) ((LOAD_ADDRESS + msg) >> 8), // mov si, message
            (byte) 0xB4, 0x0E,                                        // mov ah, 0Eh
            (byte) 0xAC,                                              // next: lodsb
            (byte) 0x84, (byte) 0xC0,                                 //   test al, al
            0x74, 0x04,                                               //   jz done
            (byte) 0xCD, 0x10,                                        //   int 10h
            (byte) 0xEB, (byte) 0xF7,                                 //   jmp next
            (byte) 0xFB,                                              // done: sti
            (byte) 0xB9, 0x08, 0x00,                                  //   mov cx, 8
            (byte) 0xF4,                                              // wait: hlt
            (byte) 0xE2, (byte) 0xFD,                                 //   loop wait
            (byte) 0xB0, (byte) EXIT_VALUE,                           //   mov al, EXIT_VALUE
            (byte) 0xE6, (byte) 0xF4,                                 //   out 0F4h, al
            (byte) 0xF4,                                              // stop: hlt
            (byte) 0xEB, (byte) 0xFD,                                 //   jmp stop
        };
        byte[] sector = new byte[512];
        System.arraycopy(code, 0, sector, 0, code.length);
        byte[] text = (message + "\r\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, sector, msg, text.length);
        sector[510] = 0x55;
        sector[511] = (byte) 0xAA;
        return sector;
    }

    /** A 1 MiB raw disk whose first sector is {@code bootSector}. */
    static Path disk(Path dir, byte[] bootSector) throws IOException {
        byte[] image = new byte[1 << 20];
        System.arraycopy(bootSector, 0, image, 0, bootSector.length);
        Path file = dir.resolve("boot.img");
        Files.write(file, image);
        return file;
    }
}

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

    /** The line a {@link #resetting} boot sector prints, followed by its boot's number. */
    static final String BOOT_LINE = "jvisor-reset: boot ";
    /** How {@link #resetting} resets: 0xCF9's reset bit, the i8042's pulse command, a triple fault. */
    static final byte[] RESET_CF9 = {(byte) 0xBA, (byte) 0xF9, 0x0C, (byte) 0xB0, 0x06, (byte) 0xEE}; // mov dx, 0CF9h; mov al, 6; out dx, al
    static final byte[] RESET_I8042 = {(byte) 0xB0, (byte) 0xFE, (byte) 0xE6, 0x64};                  // mov al, 0FEh; out 64h, al
    private static final int EMPTY_IDT = 0x1F0;
    /** lidt [an IDT of limit 0]; int 3: the breakpoint, the #GP and the double fault find no gate. */
    static final byte[] TRIPLE_FAULT = {0x0F, 0x01, 0x1E, (byte) (LOAD_ADDRESS + EMPTY_IDT), (byte) ((LOAD_ADDRESS + EMPTY_IDT) >> 8),
        (byte) 0xCD, 0x03};

    /**
     * A boot sector that counts its boots on the disk, which survives a reset as a real disk does:
     * it reads sector 1 through INT 13h, increments its first byte, writes it back, prints
     * {@link #BOOT_LINE} and the count, waits eight timer ticks for the serial mirror, then resets
     * with {@code reset} on the first boot and writes {@link #EXIT_VALUE} to the debug-exit port on
     * the second. Sector 1 must start as zero.
     */
    static byte[] resetting(byte[] reset) {
        int msg = 0x100;
        int counter = 0x7E00;
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(new byte[] {
            0x31, (byte) 0xC0,                                        // xor ax, ax
            (byte) 0x8E, (byte) 0xD8,                                 // mov ds, ax
            (byte) 0x8E, (byte) 0xC0,                                 // mov es, ax
            (byte) 0x8E, (byte) 0xD0,                                 // mov ss, ax
            (byte) 0xBC, 0x00, 0x7C,                                  // mov sp, 7C00h
            (byte) 0xBB, 0x00, 0x7E,                                  // mov bx, 7E00h
            (byte) 0xB8, 0x01, 0x02,                                  // mov ax, 0201h (read one sector)
            (byte) 0xB9, 0x02, 0x00,                                  // mov cx, 0002h (cylinder 0, sector 2)
            (byte) 0xB6, 0x00,                                        // mov dh, 0 (head 0; dl is the boot drive)
            (byte) 0xCD, 0x13,                                        // int 13h
            (byte) 0xFE, 0x06, 0x00, 0x7E,                            // inc byte [7E00h]
            (byte) 0xB8, 0x01, 0x03,                                  // mov ax, 0301h (write it back)
            (byte) 0xB9, 0x02, 0x00,                                  // mov cx, 0002h
            (byte) 0xB6, 0x00,                                        // mov dh, 0
            (byte) 0xCD, 0x13,                                        // int 13h
            (byte) 0xBE, (byte) (LOAD_ADDRESS + msg), (byte) ((LOAD_ADDRESS + msg) >> 8), // mov si, message
            (byte) 0xB4, 0x0E,                                        // mov ah, 0Eh
            (byte) 0xAC,                                              // next: lodsb
            (byte) 0x84, (byte) 0xC0,                                 //   test al, al
            0x74, 0x04,                                               //   jz done
            (byte) 0xCD, 0x10,                                        //   int 10h
            (byte) 0xEB, (byte) 0xF7,                                 //   jmp next
            (byte) 0xA0, 0x00, 0x7E,                                  // done: mov al, [7E00h]
            0x04, 0x30,                                               //   add al, '0'
            (byte) 0xB4, 0x0E,                                        //   mov ah, 0Eh
            (byte) 0xCD, 0x10,                                        //   int 10h
            (byte) 0xB8, 0x0D, 0x0E,                                  //   mov ax, 0E0Dh
            (byte) 0xCD, 0x10,                                        //   int 10h
            (byte) 0xB8, 0x0A, 0x0E,                                  //   mov ax, 0E0Ah
            (byte) 0xCD, 0x10,                                        //   int 10h
            (byte) 0xFB,                                              //   sti
            (byte) 0xB9, 0x08, 0x00,                                  //   mov cx, 8
            (byte) 0xF4,                                              // wait: hlt
            (byte) 0xE2, (byte) 0xFD,                                 //   loop wait
            (byte) 0x80, 0x3E, 0x00, 0x7E, 0x02,                      //   cmp byte [7E00h], 2
            0x73, (byte) (reset.length + 3),                          //   jae exit
        });
        b.writeBytes(reset);
        b.writeBytes(new byte[] {
            (byte) 0xF4,                                              // hang: hlt
            (byte) 0xEB, (byte) 0xFD,                                 //   jmp hang
            (byte) 0xB0, (byte) EXIT_VALUE,                           // exit: mov al, EXIT_VALUE
            (byte) 0xE6, (byte) 0xF4,                                 //   out 0F4h, al
            (byte) 0xF4,                                              // stop: hlt
            (byte) 0xEB, (byte) 0xFD,                                 //   jmp stop
        });
        byte[] code = b.toByteArray();
        assert counter == LOAD_ADDRESS + 0x200 && code.length < msg;
        byte[] sector = new byte[512];
        System.arraycopy(code, 0, sector, 0, code.length);
        byte[] text = BOOT_LINE.getBytes(StandardCharsets.US_ASCII);
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

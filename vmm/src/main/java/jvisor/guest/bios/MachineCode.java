package jvisor.guest.bios;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A few 16-bit x86 instructions as bytes, for the BIOS's real-mode interrupt handlers: enough to
 * end interrupts at the PICs, acknowledge the RTC, keep the BIOS data area's tick count and
 * return. Each method emits one instruction.
 */
final class MachineCode {
    /** A jump target inside this code: bound once, referenced by short jumps before or after. */
    static final class Label {
        private int at = -1;
        private final List<Integer> references = new ArrayList<>();
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Label> labels = new ArrayList<>();

    int size() {
        return out.size();
    }

    private MachineCode emit(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    MachineCode movAl(int imm8) {
        return emit(0xB0, imm8 & 0xFF);
    }

    /** OUT imm8, AL. */
    MachineCode outAl(int port) {
        if (port < 0 || port > 0xFF) {
            throw new IllegalArgumentException("OUT imm8 reaches ports 0-0xff, not " + port);
        }
        return emit(0xE6, port);
    }

    /** IN AL, imm8. */
    MachineCode inAl(int port) {
        if (port < 0 || port > 0xFF) {
            throw new IllegalArgumentException("IN imm8 reaches ports 0-0xff, not " + port);
        }
        return emit(0xE4, port);
    }

    MachineCode pushAx() {
        return emit(0x50);
    }

    MachineCode popAx() {
        return emit(0x58);
    }

    MachineCode pushDs() {
        return emit(0x1E);
    }

    MachineCode popDs() {
        return emit(0x1F);
    }

    MachineCode movDsAx() {
        return emit(0x8E, 0xD8);
    }

    MachineCode interrupt(int vector) {
        return emit(0xCD, vector & 0xFF);
    }

    MachineCode iret() {
        return emit(0xCF);
    }

    // Word operands and 16-bit addresses (DS-relative).

    MachineCode movAx16(int imm16) {
        return emit(0xB8, imm16 & 0xFF, (imm16 >>> 8) & 0xFF);
    }

    /** MOV AX, [disp16]. */
    MachineCode loadAx16(int disp16) {
        return emit(0xA1, disp16 & 0xFF, disp16 >>> 8);
    }

    /** ADD WORD [disp16], imm8 (sign-extended). */
    MachineCode addWord16(int disp16, int imm8) {
        return emit(0x83, 0x06, disp16 & 0xFF, disp16 >>> 8, imm8 & 0xFF);
    }

    /** ADC WORD [disp16], imm8 (sign-extended). */
    MachineCode adcWord16(int disp16, int imm8) {
        return emit(0x83, 0x16, disp16 & 0xFF, disp16 >>> 8, imm8 & 0xFF);
    }

    /** CMP WORD [disp16], imm16. */
    MachineCode cmpWord16(int disp16, int imm16) {
        return emit(0x81, 0x3E, disp16 & 0xFF, disp16 >>> 8, imm16 & 0xFF, (imm16 >>> 8) & 0xFF);
    }

    /** MOV WORD [disp16], imm16. */
    MachineCode storeWord16(int disp16, int imm16) {
        return emit(0xC7, 0x06, disp16 & 0xFF, disp16 >>> 8, imm16 & 0xFF, (imm16 >>> 8) & 0xFF);
    }

    /** MOV BYTE [disp16], imm8. */
    MachineCode storeByte16(int disp16, int imm8) {
        return emit(0xC6, 0x06, disp16 & 0xFF, disp16 >>> 8, imm8 & 0xFF);
    }

    /** JB rel8 (unsigned below). */
    MachineCode jb(Label target) {
        return jcc8(0x72, target);
    }

    /** JA rel8 (unsigned above). */
    MachineCode ja(Label target) {
        return jcc8(0x77, target);
    }

    private MachineCode jcc8(int opcode, Label target) {
        emit(opcode, 0);
        target.references.add(size() - 1);
        if (!labels.contains(target)) {
            labels.add(target);
        }
        return this;
    }

    MachineCode bind(Label label) {
        if (label.at >= 0) {
            throw new IllegalStateException("label bound twice");
        }
        label.at = size();
        if (!labels.contains(label)) {
            labels.add(label);
        }
        return this;
    }

    /** The bytes, with every short jump resolved. */
    byte[] bytes() {
        byte[] code = out.toByteArray();
        for (Label l : labels) {
            if (l.at < 0) {
                throw new IllegalStateException("a label was used but never bound");
            }
            for (int ref : l.references) {
                int displacement = l.at - (ref + 1);
                if (displacement < -128 || displacement > 127) {
                    throw new IllegalStateException("short jump out of range: " + displacement);
                }
                code[ref] = (byte) displacement;
            }
        }
        return code;
    }
}

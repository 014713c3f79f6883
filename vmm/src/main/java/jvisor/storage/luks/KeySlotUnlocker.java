package jvisor.storage.luks;

import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Tries a passphrase on key slots: derive the area key, decrypt the key material, merge the
 * stripes, and check the result against the volume key digest. Nothing is written.
 */
final class KeySlotUnlocker {
    /** The volume key, and the slot that gave it. */
    record Unlocked(KeySlot slot, byte[] volumeKey) { }

    private KeySlotUnlocker() { }

    /** {@code slotNumber} is a slot to try alone, or negative for every slot by priority. */
    static Unlocked unlock(FileChannel ch, LuksHeader header, byte[] passphrase, int slotNumber) {
        List<KeySlot> candidates;
        if (slotNumber >= 0) {
            candidates = header.keySlots().stream().filter(s -> s.index() == slotNumber).toList();
            if (candidates.isEmpty()) {
                throw new LuksException("key slot " + slotNumber + " is not active in this volume (active: " + indices(header.keySlots()) + ")");
            }
        } else {
            candidates = header.keySlots().stream().filter(s -> s.priority() > 0).toList();
            if (candidates.isEmpty()) {
                throw new LuksException("this LUKS volume has no active key slot to try");
            }
        }
        for (KeySlot slot : candidates) {
            byte[] key = tryOne(ch, slot, passphrase);
            if (key != null) {
                return new Unlocked(slot, key);
            }
        }
        String tokens = header.tokenTypes().isEmpty() ? ""
                : "; the volume also has token(s) " + String.join(", ", header.tokenTypes()) + ", which jvisor does not use";
        throw new LuksException("wrong passphrase: no key slot of this LUKS volume accepts it (tried " + indices(candidates) + ")" + tokens);
    }

    /** The volume key if {@code passphrase} opens {@code slot}, else null. */
    static byte[] tryOne(FileChannel ch, KeySlot slot, byte[] passphrase) {
        byte[] areaKey = slot.kdf().derive(passphrase, slot.areaKeyBytes());
        byte[] material = ImageIo.readHeaderBytes(ch, slot.areaOffset(), slot.materialLength(), "key slot " + slot.index() + "'s key material");
        byte[] key = null;
        try {
            XtsCipher xts = new XtsCipher(areaKey);
            xts.decrypt(0, 1, 512, material, 0, material, 0, material.length);
            xts.destroy();
            key = AfSplitter.merge(material, slot.keyBytes(), slot.stripes(), slot.afHash());
            if (slot.digest().matches(key)) {
                byte[] found = key;
                key = null;
                return found;
            }
            return null;
        } finally {
            Arrays.fill(areaKey, (byte) 0);
            Arrays.fill(material, (byte) 0);
            if (key != null) {
                Arrays.fill(key, (byte) 0);
            }
        }
    }

    private static String indices(List<KeySlot> slots) {
        return slots.stream().map(s -> Integer.toString(s.index())).collect(Collectors.joining(", "));
    }
}

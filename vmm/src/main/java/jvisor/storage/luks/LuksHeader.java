package jvisor.storage.luks;

import java.util.List;

/**
 * What jvisor needs from a LUKS1 or LUKS2 header, checked: the data segment and the key slots
 * that can unlock it. {@code metadataLength} is how many bytes at the start of the image the
 * header (both copies, for LUKS2) occupies.
 */
record LuksHeader(int version, String uuid, DataSegment segment, List<KeySlot> keySlots, List<String> tokenTypes,
        long metadataLength) {
    LuksHeader {
        keySlots = List.copyOf(keySlots);
        tokenTypes = List.copyOf(tokenTypes);
    }
}

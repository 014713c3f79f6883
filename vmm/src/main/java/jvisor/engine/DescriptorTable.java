package jvisor.engine;

/** GDTR or IDTR: a linear base and a 16-bit limit. */
public record DescriptorTable(long base, int limit) {
    public DescriptorTable {
        if (limit < 0 || limit > 0xFFFF) {
            throw new IllegalArgumentException("descriptor-table limit out of range: " + limit);
        }
    }

    @Override
    public String toString() {
        return String.format("base=%016x limit=%04x", base, limit);
    }
}

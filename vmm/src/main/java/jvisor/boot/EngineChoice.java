package jvisor.boot;

import java.util.Locale;

/** What {@code --engine} asked for. */
public enum EngineChoice {
    KVM, EMU, AUTO;

    public static EngineChoice parse(String text) {
        for (EngineChoice c : values()) {
            if (c.name().equalsIgnoreCase(text)) {
                return c;
            }
        }
        throw new BadInputException("unknown engine '" + text + "': use --engine kvm, emu or auto");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

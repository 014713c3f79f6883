package jvisor.boot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A QEMU-style option value, {@code key=value,key=value}: a doubled comma is a literal comma
 * (so any path can be written), an element without '=' is the value of the option's implied key.
 */
public final class OptionList {
    private OptionList() { }

    /** The pairs in order; {@code option} names the option in errors, {@code implied} is the key of a bare value. */
    public static Map<String, String> parse(String option, String text, String implied) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String element : split(text)) {
            int eq = element.indexOf('=');
            String key = eq < 0 ? implied : element.substring(0, eq);
            String value = eq < 0 ? element : element.substring(eq + 1);
            if (key == null || key.isEmpty()) {
                throw new BadInputException(option + " '" + text + "': '" + element + "' is not key=value");
            }
            if (pairs.put(key, value) != null) {
                throw new BadInputException(option + " '" + text + "': " + key + " is given twice");
            }
        }
        return pairs;
    }

    /** Splits at single commas; ",," stands for ",". */
    static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ',' && i + 1 < text.length() && text.charAt(i + 1) == ',') {
                current.append(',');
                i++;
            } else if (c == ',') {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    /** on/off, yes/no, true/false. */
    public static boolean bool(String option, String key, String value) {
        return switch (value) {
            case "on", "yes", "true", "1" -> true;
            case "off", "no", "false", "0" -> false;
            default -> throw new BadInputException(option + ": " + key + "=" + value + " is neither on nor off");
        };
    }
}

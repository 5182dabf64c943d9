package org.semivim.gpu;

import java.util.Locale;

/** The {@code --device} option: {@code auto} (CUDA when usable, else CPU), {@code cpu} or {@code cuda}. */
public enum DeviceChoice {
    AUTO, CPU, CUDA;

    /** Parses an option value (case-insensitive); unknown values get an error naming the choices. */
    public static DeviceChoice parse(String value) {
        if (value == null) throw new IllegalArgumentException("--device needs a value: auto, cpu or cuda");
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "cpu" -> CPU;
            case "cuda", "gpu" -> CUDA;
            default -> throw new IllegalArgumentException("unknown --device '" + value + "': expected auto, cpu or cuda");
        };
    }

    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}

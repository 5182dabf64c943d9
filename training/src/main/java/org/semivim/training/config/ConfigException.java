package org.semivim.training.config;

/**
 * A bad training configuration: an unknown key, a value of the wrong type, or a value outside its
 * allowed range. {@link #keyPath()} names the key as a dotted path from the root
 * (e.g. {@code lyapema.lam_max}), and the message says what was expected.
 */
public final class ConfigException extends IllegalArgumentException {
    private final String keyPath;

    public ConfigException(String keyPath, String problem) {
        super("config key '" + keyPath + "' " + problem);
        this.keyPath = keyPath;
    }

    /** The dotted path of the offending key. */
    public String keyPath() {
        return keyPath;
    }
}

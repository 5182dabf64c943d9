package org.semivim.cli.config;

/**
 * A training config value that {@link org.semivim.training.config.TrainConfig} rejected: the key's
 * HOCON path, the problem with the allowed values, and where the value was written.
 */
public final class HoconConfigException extends IllegalArgumentException {
    private final String keyPath;
    private final String origin;

    HoconConfigException(String keyPath, String problem, String origin, Throwable cause) {
        super(problem + (origin == null ? "" : " (set at " + origin + ")"), cause);
        this.keyPath = keyPath;
        this.origin = origin;
    }

    /** The dotted HOCON path of the offending key. */
    public String keyPath() {
        return keyPath;
    }

    /** Where the value was written ("run.conf: 7", "override 'tau=2'"), or null when the key was absent. */
    public String origin() {
        return origin;
    }
}

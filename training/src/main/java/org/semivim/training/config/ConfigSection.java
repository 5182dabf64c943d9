package org.semivim.training.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One JSON object of a training configuration being read: typed getters that check type and range
 * and report errors with the key's full dotted path, and {@link #rejectUnknown()} for the keys
 * nobody asked for. Every getter records its key as known, so call them all before rejecting.
 */
final class ConfigSection {
    private final String path;                    // "" for the root, "lyapema" for a group
    private final Map<String, ?> values;
    private final Set<String> known = new LinkedHashSet<>();

    ConfigSection(String path, Map<String, ?> values) {
        this.path = path;
        this.values = values == null ? Map.of() : values;
        for (Object k : this.values.keySet()) {
            if (!(k instanceof String)) throw new ConfigException(pathOf(String.valueOf(k)), "is not a string key");
        }
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        known.add(key);
        return values.get(key) != null;
    }

    /** Throws unless {@code key} is present; {@code what} says what it must be. */
    void require(String key, String what) {
        if (!has(key)) throw new ConfigException(pathOf(key), "is required (" + what + ")");
    }

    /** The raw value (null when absent). */
    Object raw(String key) {
        known.add(key);
        return values.get(key);
    }

    /** A nested object; an absent key gives an empty section. */
    ConfigSection section(String key) {
        Object v = raw(key);
        if (v == null) return new ConfigSection(pathOf(key), Map.of());
        if (!(v instanceof Map<?, ?> m)) throw new ConfigException(pathOf(key), "must be an object, got " + describe(v));
        @SuppressWarnings("unchecked") Map<String, ?> typed = (Map<String, ?>) m;
        return new ConfigSection(pathOf(key), typed);
    }

    long integer(String key, long fallback, long min, long max) {
        Object v = raw(key);
        if (v == null) return fallback;
        long x;
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            x = ((Number) v).longValue();
        } else if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 9e15) {
            x = (long) n.doubleValue();
        } else {
            throw new ConfigException(pathOf(key), "must be an integer in [" + min + ", " + max + "], got " + describe(v));
        }
        if (x < min || x > max) throw new ConfigException(pathOf(key), "must be an integer in [" + min + ", " + max + "], got " + x);
        return x;
    }

    int integer(String key, int fallback, int min, int max) {
        return (int) integer(key, (long) fallback, min, max);
    }

    double number(String key, double fallback, Interval allowed) {
        Object v = raw(key);
        if (v == null) return fallback;
        if (!(v instanceof Number n)) throw new ConfigException(pathOf(key), "must be a number in " + allowed + ", got " + describe(v));
        double x = n.doubleValue();
        if (!allowed.contains(x)) throw new ConfigException(pathOf(key), "must be a number in " + allowed + ", got " + x);
        return x;
    }

    boolean bool(String key, boolean fallback) {
        Object v = raw(key);
        if (v == null) return fallback;
        if (!(v instanceof Boolean b)) throw new ConfigException(pathOf(key), "must be true or false, got " + describe(v));
        return b;
    }

    String string(String key, String fallback) {
        Object v = raw(key);
        if (v == null) return fallback;
        if (!(v instanceof String s)) throw new ConfigException(pathOf(key), "must be a string, got " + describe(v));
        return s;
    }

    /** One of {@code allowed} (exact, lower-case names). */
    String choice(String key, String fallback, List<String> allowed) {
        Object v = raw(key);
        if (v == null) return fallback;
        if (!(v instanceof String s) || !allowed.contains(s)) {
            throw new ConfigException(pathOf(key), "must be one of " + allowed + ", got " + describe(v));
        }
        return s;
    }

    /** Throws for the first key that no getter asked for, listing the known keys. */
    void rejectUnknown() {
        List<String> unknown = new ArrayList<>();
        for (String k : keys()) if (!known.contains(k)) unknown.add(k);
        if (!unknown.isEmpty()) {
            throw new ConfigException(pathOf(unknown.get(0)), "is unknown; known keys" + (path.isEmpty() ? "" : " of '" + path + "'")
                    + ": " + known);
        }
    }

    private List<String> keys() {
        List<String> out = new ArrayList<>();
        for (Object k : values.keySet()) out.add((String) k);
        return out;
    }

    static String describe(Object v) {
        if (v == null) return "null";
        if (v instanceof String s) return "\"" + s + "\" (a string)";
        if (v instanceof Map<?, ?>) return "an object";
        if (v instanceof List<?>) return "a list";
        return v + " (" + v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    /** An interval of allowed numbers, printed in the usual bracket notation. */
    record Interval(double lo, boolean loOpen, double hi, boolean hiOpen) {
        static Interval closed(double lo, double hi) {
            return new Interval(lo, false, hi, false);
        }

        static Interval openClosed(double lo, double hi) {
            return new Interval(lo, true, hi, false);
        }

        static Interval closedOpen(double lo, double hi) {
            return new Interval(lo, false, hi, true);
        }

        static Interval open(double lo, double hi) {
            return new Interval(lo, true, hi, true);
        }

        boolean contains(double x) {
            if (Double.isNaN(x) || Double.isInfinite(x)) return false;
            return (loOpen ? x > lo : x >= lo) && (hiOpen ? x < hi : x <= hi);
        }

        @Override
        public String toString() {
            return (loOpen ? "(" : "[") + format(lo) + ", " + format(hi) + (hiOpen ? ")" : "]");
        }

        private static String format(double x) {
            return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
        }
    }
}

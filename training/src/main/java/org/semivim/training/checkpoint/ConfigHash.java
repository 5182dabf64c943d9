package org.semivim.training.checkpoint;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The identity of a run's configuration: SHA-256 (lower-case hex) of its canonical JSON.
 *
 * <p>Canonical JSON: object keys sorted (by Java string order, recursively), no whitespace, and
 * every number written as its shortest exact decimal with no exponent and no trailing zeros, so
 * {@code 1}, {@code 1L}, {@code 1.0} and {@code 1.0f} hash alike, and so do {@code 0.1} and
 * {@code 0.1f} (a float is taken at its shortest decimal, {@link Float#toString}). Array order
 * matters. Null is kept as JSON null. NaN and infinities are refused: a configuration with them
 * has no JSON form.
 */
public final class ConfigHash {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    private ConfigHash() {}

    /** The hash of {@code config}: a Map, a record or bean, or a JsonNode (anything Jackson can serialise). */
    public static String of(Object config) {
        return DurableFiles.sha256(canonicalJson(config).getBytes(StandardCharsets.UTF_8));
    }

    /** The canonical JSON text that {@link #of} hashes. */
    public static String canonicalJson(Object config) {
        if (config == null) throw new IllegalArgumentException("a config to hash must not be null");
        JsonNode tree = config instanceof JsonNode node ? node : MAPPER.valueToTree(config);
        StringWriter out = new StringWriter();
        try (JsonGenerator gen = FACTORY.createGenerator(out)) {
            write(tree, gen, "$");
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return out.toString();
    }

    private static void write(JsonNode node, JsonGenerator gen, String path) throws IOException {
        if (node.isObject()) {
            List<String> keys = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) keys.add(it.next());
            Collections.sort(keys);
            gen.writeStartObject();
            for (String key : keys) {
                gen.writeFieldName(key);
                write(node.get(key), gen, path + "." + key);
            }
            gen.writeEndObject();
        } else if (node.isArray()) {
            gen.writeStartArray();
            for (int i = 0; i < node.size(); i++) write(node.get(i), gen, path + "[" + i + "]");
            gen.writeEndArray();
        } else if (node.isNumber()) {
            gen.writeNumber(canonicalNumber(node, path));
        } else if (node.isTextual()) {
            gen.writeString(node.textValue());
        } else if (node.isBoolean()) {
            gen.writeBoolean(node.booleanValue());
        } else if (node.isNull()) {
            gen.writeNull();
        } else {
            throw new IllegalArgumentException("config value at " + path + " has no canonical JSON form: " + node.getNodeType());
        }
    }

    private static String canonicalNumber(JsonNode node, String path) {
        BigDecimal exact;
        if (node.isIntegralNumber()) {
            exact = new BigDecimal(node.bigIntegerValue());
        } else if (node.isFloat()) {
            float f = node.floatValue();
            if (!Float.isFinite(f)) throw new IllegalArgumentException("config value at " + path + " is " + f + " (not JSON)");
            exact = new BigDecimal(Float.toString(f));
        } else if (node.isDouble()) {
            double d = node.doubleValue();
            if (!Double.isFinite(d)) throw new IllegalArgumentException("config value at " + path + " is " + d + " (not JSON)");
            exact = new BigDecimal(Double.toString(d));
        } else {
            exact = node.decimalValue();
        }
        if (exact.signum() == 0) return "0";  // also turns -0.0 into 0
        return exact.stripTrailingZeros().toPlainString();
    }
}

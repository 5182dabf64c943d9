package org.semivim.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.engine.models.VimConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A golden fixture written by vim_ref.py (format {@code vim-ref-fixture/1}), read from the test
 * classpath: {@code manifest.json} plus one raw little-endian float32 file per tensor.
 */
public final class VimGoldenFixture {
    public final String dir;
    public final JsonNode manifest;
    public final VimConfig config;
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, int[]> shapes = new LinkedHashMap<>();
    private final Map<String, String> groups = new LinkedHashMap<>();

    private VimGoldenFixture(String dir) {
        this.dir = dir;
        try {
            this.manifest = new ObjectMapper().readTree(open("manifest.json"));
            if (!"vim-ref-fixture/1".equals(manifest.path("format").asText())) {
                throw new IllegalStateException(dir + ": unknown fixture format " + manifest.path("format"));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> cfg = new ObjectMapper().convertValue(manifest.get("config"), Map.class);
            this.config = VimConfig.fromMap(cfg);
            for (JsonNode t : manifest.get("tensors")) {
                String name = t.get("name").asText();
                int[] shape = new int[t.get("shape").size()];
                int n = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.get("shape").get(i).asInt();
                    n *= shape[i];
                }
                byte[] bytes;
                try (InputStream in = open(t.get("file").asText())) {
                    bytes = in.readAllBytes();
                }
                if (bytes.length != 4 * n) throw new IllegalStateException(dir + "/" + name + ": " + bytes.length + " bytes for " + n + " floats");
                float[] v = new float[n];
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                values.put(name, v);
                shapes.put(name, shape);
                groups.put(name, t.get("group").asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads the fixture in test-resources folder {@code dir} (e.g. "vim-ref"). */
    public static VimGoldenFixture load(String dir) {
        return new VimGoldenFixture(dir);
    }

    private InputStream open(String file) {
        InputStream in = VimGoldenFixture.class.getResourceAsStream("/" + dir + "/" + file);
        if (in == null) throw new IllegalStateException("test resource /" + dir + "/" + file + " is missing");
        return in;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public float[] floats(String name) {
        float[] v = values.get(name);
        if (v == null) throw new IllegalArgumentException(dir + " has no tensor " + name);
        return v.clone();
    }

    public double[] doubles(String name) {
        float[] v = floats(name);
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    public int[] shape(String name) {
        return shapes.get(name).clone();
    }

    /** Tensor names of a group (param, input, output, grad, activation, ssmixup), in file order. */
    public List<String> names(String group) {
        return groups.entrySet().stream().filter(e -> e.getValue().equals(group)).map(Map.Entry::getKey).toList();
    }

    /** The parameters as doubles (exactly the float32 values), keyed by official name, in state-dict order. */
    public Map<String, double[]> params() {
        Map<String, double[]> p = new LinkedHashMap<>();
        for (String n : names("param")) p.put(n, doubles(n));
        return p;
    }

    public int batch() {
        return shape("input")[0];
    }

    public int[] labels() {
        float[] l = floats("labels");
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = (int) l[i];
        return out;
    }

    public boolean hasSsMixup() {
        return manifest.has("ssmixup");
    }

    public double ssMixupNu() {
        return manifest.get("ssmixup").get("nu").asDouble();
    }
}

package org.semivim.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the golden tensors that shared/reference/vim_ref.py wrote (copied to the test resources
 * folder vim-ref/): manifest.json names every tensor with its file and shape; each file holds raw
 * little-endian float32 in C order.
 */
public final class VimRefTensors {
    private static final String ROOT = "/vim-ref/";
    private final JsonNode manifest;
    private final Map<String, JsonNode> entries = new HashMap<>();

    private VimRefTensors(JsonNode manifest) {
        this.manifest = manifest;
        for (JsonNode e : manifest.get("tensors")) entries.put(e.get("name").asText(), e);
    }

    public static VimRefTensors load() {
        try (InputStream in = VimRefTensors.class.getResourceAsStream(ROOT + "manifest.json")) {
            if (in == null) throw new IllegalStateException("test resource " + ROOT + "manifest.json is missing");
            return new VimRefTensors(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The manifest's "derived" sizes, e.g. d_inner, dt_rank, seq_len. */
    public int derived(String key) {
        return manifest.get("derived").get(key).asInt();
    }

    public int config(String key) {
        return manifest.get("config").get(key).asInt();
    }

    public int[] shape(String name) {
        JsonNode s = entry(name).get("shape");
        int[] r = new int[s.size()];
        for (int i = 0; i < r.length; i++) r[i] = s.get(i).asInt();
        return r;
    }

    /** The tensor's values as float32, in C order. */
    public float[] floats(String name) {
        String file = entry(name).get("file").asText();
        try (InputStream in = VimRefTensors.class.getResourceAsStream(ROOT + file)) {
            if (in == null) throw new IllegalStateException("test resource " + ROOT + file + " is missing");
            ByteBuffer buf = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] r = new float[buf.remaining() / 4];
            buf.asFloatBuffer().get(r);
            int expected = 1;
            for (int d : shape(name)) expected *= d;
            if (r.length != expected) throw new IllegalStateException(file + " holds " + r.length + " floats, manifest says " + expected);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tensor's values widened to double. */
    public double[] doubles(String name) {
        float[] f = floats(name);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private JsonNode entry(String name) {
        JsonNode e = entries.get(name);
        if (e == null) throw new IllegalArgumentException("no tensor '" + name + "' in the vim-ref manifest");
        return e;
    }
}

package org.semivim.data.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Golden data from outside: every op of the RandAugment pool, at every argument the pool can
 * produce (plus edge cases), against the bytes Pillow 9.4 wrote for three 28×28 inputs
 * (src/test/resources/pil/make_pil_fixtures.py). Exact equality: the ops are integer image
 * operations and must reproduce Pillow bit for bit.
 */
class PilGoldenTest {
    @Test
    void everyOpMatchesPillowExactly() throws IOException {
        JsonNode root;
        try (InputStream in = new GZIPInputStream(getClass().getResourceAsStream("/pil/pil_ops.json.gz"))) {
            root = new ObjectMapper().readTree(in);
        }
        int size = root.get("size").asInt();
        List<GrayImage> inputs = new ArrayList<>();
        for (JsonNode hex : root.get("inputs")) inputs.add(new GrayImage(size, size, HexFormat.of().parseHex(hex.asText())));
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (JsonNode c : root.get("cases")) {
            String op = c.get("op").asText();
            double arg = c.get("arg").asDouble();
            GrayImage in = inputs.get(c.get("input").asInt());
            GrayImage expected = new GrayImage(size, size, HexFormat.of().parseHex(c.get("output").asText()));
            GrayImage actual = apply(op, arg, in);
            checked++;
            if (!expected.equals(actual)) {
                int diff = 0;
                for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) if (expected.get(x, y) != actual.get(x, y)) diff++;
                mismatches.add(op + "(" + arg + ") on input " + c.get("input").asInt() + ": " + diff + " pixels differ");
            }
        }
        assertEquals(501, checked, "fixture case count");
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + checked + " cases differ from Pillow " + root.get("pillow").asText()
                + ":\n" + String.join("\n", mismatches));
    }

    private static GrayImage apply(String op, double arg, GrayImage in) {
        return switch (op) {
            case "autocontrast" -> ToneOps.autoContrast(in);
            case "equalize" -> ToneOps.equalize(in);
            case "posterize" -> ToneOps.posterize(in, (int) arg);
            case "solarize" -> ToneOps.solarize(in, (int) arg);
            case "brightness" -> ToneOps.brightness(in, arg);
            case "contrast" -> ToneOps.contrast(in, arg);
            case "sharpness" -> ToneOps.sharpness(in, arg);
            case "color" -> ToneOps.color(in, arg);
            case "rotate" -> GeometryOps.rotate(in, arg);
            case "shearX" -> GeometryOps.shearX(in, arg);
            case "shearY" -> GeometryOps.shearY(in, arg);
            case "translateX" -> GeometryOps.translateX(in, (int) arg);
            case "translateY" -> GeometryOps.translateY(in, (int) arg);
            default -> throw new IllegalArgumentException("unknown op in fixture: " + op);
        };
    }
}

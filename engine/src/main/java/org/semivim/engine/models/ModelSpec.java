package org.semivim.engine.models;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.semivim.engine.ops.Ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which backbone to build: a ViM or a ViT configuration, from a preset name or a model file.
 * A model file is a JSON object with the keys of {@link VimConfig} (the golden fixture manifest's
 * {@code config} keys); a file with the key {@code "arch": "vit"} holds {@link VitConfig} keys instead.
 */
public sealed interface ModelSpec {

    /** A Vision Mamba. */
    record Vim(VimConfig config) implements ModelSpec {}

    /** A Vision Transformer. */
    record Vit(VitConfig config) implements ModelSpec {}

    /** A new model with these parameters, initialised from {@code seed}. */
    default ImageClassifier create(Ops ops, long seed) {
        if (this instanceof Vim v) {
            VisionMamba m = new VisionMamba(v.config(), ops);
            m.initialize(seed);
            return m;
        }
        return new VisionTransformer(((Vit) this).config(), ops, seed);
    }

    /** Forward FLOPs per image (2 per multiply-add); training costs about three times this. */
    default double forwardFlopsPerImage() {
        return this instanceof Vim v ? ModelFlops.vim(v.config()) : ModelFlops.vit(((Vit) this).config());
    }

    /** Every preset name, ViM first. */
    static List<String> presetNames() {
        List<String> names = new ArrayList<>(VimConfig.presetNames());
        names.addAll(VitConfig.presetNames());
        return names;
    }

    /**
     * A preset name (see {@link #presetNames()}) or the path of a JSON model file. Unknown names,
     * unreadable files and bad keys are errors naming the problem.
     */
    static ModelSpec resolve(String presetOrFile) {
        if (VimConfig.presetNames().contains(presetOrFile)) return new Vim(VimConfig.preset(presetOrFile));
        if (VitConfig.presetNames().contains(presetOrFile)) return new Vit(VitConfig.preset(presetOrFile));
        Path file = Path.of(presetOrFile);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model '" + presetOrFile + "' is neither a preset " + presetNames()
                    + " nor a readable model file");
        }
        Map<String, Object> map;
        try {
            map = new ObjectMapper().readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new IllegalArgumentException("model file " + file + " is not a JSON object: " + e.getMessage(), e);
        }
        Object arch = map.remove("arch");
        try {
            if (arch == null || "vim".equals(arch)) return new Vim(VimConfig.fromMap(map));
            if ("vit".equals(arch)) return new Vit(VitConfig.fromMap(map));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model file " + file + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("model file " + file + ": arch must be \"vim\" or \"vit\", got " + arch);
    }
}

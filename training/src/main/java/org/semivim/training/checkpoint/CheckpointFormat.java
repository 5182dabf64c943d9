package org.semivim.training.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.semivim.engine.tensor.Tensor;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The on-disk layout of one checkpoint directory (docs/checkpoints.md), version {@value #FORMAT_VERSION}:
 * <pre>
 *   step-000000123/
 *     &lt;group&gt;.safetensors   one per tensor group, F32, bare names inside
 *     state.json             the JSON state
 *     checkpoint.json        the header: magic, format version, step, config hash, creation time, files + SHA-256
 *     DONE                   written last; holds the SHA-256 of checkpoint.json
 * </pre>
 */
final class CheckpointFormat {
    static final String MAGIC = "semivim-checkpoint";
    static final int FORMAT_VERSION = 1;
    static final String HEADER_FILE = "checkpoint.json";
    static final String STATE_FILE = "state.json";
    static final String DONE_FILE = "DONE";
    static final String TENSOR_SUFFIX = ".safetensors";
    /** The group of tensor names without a "group/" prefix; reserved, so names round-trip exactly. */
    static final String DEFAULT_GROUP = "tensors";
    /** Prefixes of the writer's scratch directories; readers skip every name starting with '.'. */
    static final String TMP_PREFIX = ".tmp-";
    static final String REPLACED_PREFIX = ".replaced-";
    static final String DELETING_PREFIX = ".deleting-";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{9,18})");
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]*");

    private CheckpointFormat() {}

    /** {@code step-000000123}: zero-padded to 9 digits, so names sort like steps up to 10⁹. */
    static String directoryName(long step) {
        return String.format("step-%09d", step);
    }

    /** The step of a checkpoint directory name, or empty for any other name. */
    static OptionalLong parseDirectoryName(String name) {
        Matcher m = STEP_DIR.matcher(name);
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** One file of the checkpoint as the header lists it; {@code group} is null for the state file. */
    record FileEntry(String name, String group, long bytes, String sha256) {}

    /** The parsed header of a checkpoint. */
    record Header(int formatVersion, long step, String configHash, Instant createdAt, List<FileEntry> files) {}

    static byte[] encodeHeader(long step, String configHash, Instant createdAt, List<FileEntry> files) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("magic", MAGIC);
        root.put("formatVersion", FORMAT_VERSION);
        root.put("step", step);
        root.put("configHash", configHash);
        root.put("createdAt", createdAt.toString());
        ArrayNode list = root.putArray("files");
        for (FileEntry f : files) {
            ObjectNode o = list.addObject();
            o.put("name", f.name());
            if (f.group() != null) o.put("group", f.group());
            o.put("bytes", f.bytes());
            o.put("sha256", f.sha256());
        }
        return JSON.writeValueAsBytes(root);
    }

    /**
     * Parses and checks a header: magic, format version, required fields. Every problem is a
     * {@link Refused} whose message says what was expected and what was found.
     */
    static Header parseHeader(byte[] bytes) throws Refused {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new Refused(HEADER_FILE + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from a byte array cannot fail", e);
        }
        if (root == null || !root.isObject()) throw new Refused(HEADER_FILE + " is not a JSON object");
        String magic = root.path("magic").asText(null);
        if (!MAGIC.equals(magic)) throw new Refused("not a semivim checkpoint: magic is " + quote(magic) + ", expected \"" + MAGIC + "\"");
        JsonNode version = root.get("formatVersion");
        if (version == null || !version.canConvertToInt()) throw new Refused(HEADER_FILE + " has no integer formatVersion");
        if (version.intValue() != FORMAT_VERSION) {
            throw new Refused("unsupported format version " + version.intValue() + " (this reader supports version " + FORMAT_VERSION + ")");
        }
        JsonNode step = root.get("step");
        if (step == null || !step.isIntegralNumber() || !step.canConvertToLong()) throw new Refused(HEADER_FILE + " has no integer step");
        String configHash = requireText(root, "configHash");
        Instant createdAt;
        try {
            createdAt = Instant.parse(requireText(root, "createdAt"));
        } catch (DateTimeParseException e) {
            throw new Refused(HEADER_FILE + " has an unreadable createdAt: " + e.getParsedString());
        }
        JsonNode files = root.get("files");
        if (files == null || !files.isArray()) throw new Refused(HEADER_FILE + " has no files list");
        List<FileEntry> entries = new ArrayList<>();
        for (JsonNode f : files) {
            String name = requireText(f, "name");
            if (name.contains("/") || name.contains("\\") || name.startsWith(".")) throw new Refused(HEADER_FILE + " lists a bad file name " + quote(name));
            JsonNode bytesNode = f.get("bytes");
            if (bytesNode == null || !bytesNode.canConvertToLong()) throw new Refused(HEADER_FILE + ": file " + name + " has no byte count");
            String group = f.hasNonNull("group") ? f.get("group").asText() : null;
            entries.add(new FileEntry(name, group, bytesNode.longValue(), requireText(f, "sha256")));
        }
        return new Header(version.intValue(), step.longValue(), configHash, createdAt, List.copyOf(entries));
    }

    /**
     * Splits tensor names {@code group/name} by their first '/' into groups (one safetensors file
     * each), keeping first-appearance order of groups and write order within a group. Names
     * without '/' form the group {@value #DEFAULT_GROUP}, which cannot be named explicitly.
     */
    static Map<String, Map<String, Tensor>> group(Map<String, Tensor> tensors) {
        Map<String, Map<String, Tensor>> groups = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String key = e.getKey();
            if (key == null || e.getValue() == null) throw new IllegalArgumentException("null tensor name or tensor in a checkpoint");
            int slash = key.indexOf('/');
            String group = slash < 0 ? DEFAULT_GROUP : key.substring(0, slash);
            String name = slash < 0 ? key : key.substring(slash + 1);
            if (slash >= 0 && group.equals(DEFAULT_GROUP)) {
                throw new IllegalArgumentException("tensor '" + key + "': the group '" + DEFAULT_GROUP
                        + "' is reserved for names without a group; write '" + name + "' instead");
            }
            if (!GROUP.matcher(group).matches()) {
                throw new IllegalArgumentException("tensor '" + key + "': group '" + group + "' must match " + GROUP.pattern());
            }
            if (name.isEmpty()) throw new IllegalArgumentException("tensor '" + key + "' has an empty name after its group");
            groups.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(name, e.getValue());
        }
        return groups;
    }

    /** The checkpoint-level name of tensor {@code name} of file group {@code group}: the inverse of {@link #group}. */
    static String fullName(String group, String name) {
        return group.equals(DEFAULT_GROUP) ? name : group + "/" + name;
    }

    private static String requireText(JsonNode node, String field) throws Refused {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.textValue().isEmpty()) throw new Refused(HEADER_FILE + " has no " + field);
        return v.textValue();
    }

    private static String quote(String s) {
        return s == null ? "missing" : "\"" + s + "\"";
    }

    /** A checkpoint directory fails a check; the message is the reason shown to the user. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }
}

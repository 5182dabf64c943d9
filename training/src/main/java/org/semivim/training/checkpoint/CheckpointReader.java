package org.semivim.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import org.semivim.engine.io.Safetensors;
import org.semivim.engine.tensor.Tensor;
import org.semivim.training.checkpoint.CheckpointFormat.FileEntry;
import org.semivim.training.checkpoint.CheckpointFormat.Header;
import org.semivim.training.checkpoint.CheckpointFormat.Refused;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Verifies and reads one checkpoint directory. The checks, in order (the first that fails is the
 * reason given):
 * <ol>
 *   <li>DONE exists (else the directory is a partial checkpoint);</li>
 *   <li>the SHA-256 of checkpoint.json equals the one in DONE;</li>
 *   <li>magic, format version, required header fields;</li>
 *   <li>the header's step equals the directory's step;</li>
 *   <li>the config hash equals the expected one;</li>
 *   <li>every listed file exists with the listed size and SHA-256;</li>
 *   <li>the tensor files parse as safetensors and state.json as JSON.</li>
 * </ol>
 */
final class CheckpointReader {
    private CheckpointReader() {}

    static Checkpoint read(Path dir, long step, String expectedConfigHash) throws Refused, IOException {
        Path done = dir.resolve(CheckpointFormat.DONE_FILE);
        if (!Files.isRegularFile(done)) throw new Refused("partial checkpoint: no " + CheckpointFormat.DONE_FILE + " marker");
        Path headerFile = dir.resolve(CheckpointFormat.HEADER_FILE);
        if (!Files.isRegularFile(headerFile)) throw new Refused("corrupt checkpoint: " + CheckpointFormat.HEADER_FILE + " is missing");
        byte[] headerBytes = Files.readAllBytes(headerFile);
        String expectedHeaderSha = new String(Files.readAllBytes(done), StandardCharsets.US_ASCII).trim();
        String headerSha = DurableFiles.sha256(headerBytes);
        if (!headerSha.equals(expectedHeaderSha)) {
            throw new Refused("corrupt checkpoint: SHA-256 mismatch for " + CheckpointFormat.HEADER_FILE
                    + " (DONE records " + expectedHeaderSha + ", file has " + headerSha + ")");
        }
        Header header = CheckpointFormat.parseHeader(headerBytes);
        if (header.step() != step) {
            throw new Refused("header step " + header.step() + " does not match the directory name (step " + step + ")");
        }
        if (!header.configHash().equals(expectedConfigHash)) {
            throw new Refused("config hash mismatch: the checkpoint was written for config " + header.configHash()
                    + " but this run's config hash is " + expectedConfigHash);
        }
        for (FileEntry f : header.files()) verifyFile(dir, f);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        JsonNode state = null;
        for (FileEntry f : header.files()) {
            Path file = dir.resolve(f.name());
            if (f.name().equals(CheckpointFormat.STATE_FILE)) {
                state = readState(file);
            } else if (f.group() != null && f.name().equals(f.group() + CheckpointFormat.TENSOR_SUFFIX)) {
                readTensors(file, f.group(), tensors);
            } else {
                throw new Refused(CheckpointFormat.HEADER_FILE + " lists " + f.name() + ", which is neither the state nor a tensor group file");
            }
        }
        if (state == null) throw new Refused(CheckpointFormat.HEADER_FILE + " does not list " + CheckpointFormat.STATE_FILE);
        return new Checkpoint(header.step(), header.configHash(), header.createdAt(), dir, tensors, state);
    }

    private static void verifyFile(Path dir, FileEntry f) throws Refused, IOException {
        Path file = dir.resolve(f.name());
        if (!Files.isRegularFile(file)) throw new Refused("corrupt checkpoint: " + f.name() + " is missing");
        long size = Files.size(file);
        if (size != f.bytes()) {
            throw new Refused("corrupt checkpoint: " + f.name() + " has " + size + " bytes, the header records " + f.bytes());
        }
        String sha = DurableFiles.sha256(file);
        if (!sha.equals(f.sha256())) {
            throw new Refused("corrupt checkpoint: SHA-256 mismatch for " + f.name() + " (header records " + f.sha256() + ", file has " + sha + ")");
        }
    }

    private static JsonNode readState(Path file) throws Refused, IOException {
        try {
            JsonNode state = CheckpointFormat.JSON.readTree(file.toFile());
            if (state == null) throw new Refused(CheckpointFormat.STATE_FILE + " is empty");
            return state;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Refused(CheckpointFormat.STATE_FILE + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static void readTensors(Path file, String group, Map<String, Tensor> into) throws Refused, IOException {
        Safetensors.Contents contents;
        try {
            contents = Safetensors.read(file);
        } catch (IllegalArgumentException e) {
            throw new Refused(file.getFileName() + " is not a valid safetensors file: " + e.getMessage());
        }
        for (Map.Entry<String, Tensor> t : contents.tensors().entrySet()) into.put(CheckpointFormat.fullName(group, t.getKey()), t.getValue());
    }
}

package org.semivim.cli;

import org.semivim.cli.config.HoconTrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code semivim config}: check a config and print it with every default, or print the reference config. */
@Command(name = "config", description = {"Check a training config (and overrides) and print it with every default filled in (JSON),",
        "or print the reference config with every key (--reference)."})
final class ConfigCommand implements Callable<Integer> {
    @Option(names = "--reference", description = "print the reference config (every key, its default and allowed values)")
    boolean reference;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<file.conf>", description = "the config to check")
    Path file;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "key=value", description = "overrides")
    List<String> overrides = List.of();

    @Override
    public Integer call() throws Exception {
        if (reference) {
            try (InputStream in = ConfigCommand.class.getResourceAsStream("/semivim-reference.conf")) {
                if (in == null) throw new IllegalStateException("semivim-reference.conf is missing from the jar");
                System.out.print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            return 0;
        }
        if (file == null) throw new IllegalArgumentException("give a config file to check, or --reference");
        HoconTrainConfig.Loaded loaded = HoconTrainConfig.load(file, overrides);
        System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(loaded.config().canonicalMap()));
        System.out.println("# config hash " + loaded.config().hash());
        return 0;
    }
}

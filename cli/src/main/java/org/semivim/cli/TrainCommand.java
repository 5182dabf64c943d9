package org.semivim.cli;

import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RuntimeKind;
import org.semivim.training.loop.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code semivim train --config run.conf [key=value ...]}: a new run, trained, evaluated and reported. */
@Command(name = "train", sortOptions = false,
        description = {"Train from a HOCON config (docs/configuration.md), then evaluate on the test set and write the report.",
                "Ctrl-C finishes the current step, writes a checkpoint and exits with code 130; 'semivim resume <run-dir>' continues."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "the run's .conf file (HOCON)")
    Path config;

    @Parameters(paramLabel = "key=value", arity = "0..*", description = "overrides with dotted paths, e.g. steps=2000 lyapema.s_min=0.125 (later ones win)")
    List<String> overrides = List.of();

    @Option(names = "--run-dir", description = "where the run goes (default runs/<method>-<date>-<time>)")
    Path runDir;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() throws Exception {
        HoconTrainConfig.Loaded loaded = HoconTrainConfig.load(config, overrides);
        Path dir = runDir != null ? runDir : defaultRunDir(loaded.config().method().configName());
        RunDirectory.requireNew(dir);
        options.ops(System.out);   // --device first: 'cuda' without a GPU creates no run directory
        TrainingData data = RunLauncher.loadData(loaded.config().data());   // a missing data set creates no run directory
        return RunLauncher.execute(RunDirectory.create(dir, loaded), data, options, RuntimeKind.reference, System.out);
    }

    static Path defaultRunDir(String name) {
        return Path.of("runs", name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
}

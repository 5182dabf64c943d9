package org.semivim.cli;

import com.typesafe.config.Config;
import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.run.ArmPretrainRun;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.StopRequest;
import org.semivim.training.config.ArmPretrainConfig;
import org.semivim.training.loop.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code semivim pretrain arm --config arm.conf [key=value ...]}: self-supervised pre-training of a ViM encoder. */
@Command(name = "pretrain", description = "Self-supervised pre-training: 'pretrain arm' (autoregressive, ARM). MAE is not in the CLI yet.",
        subcommands = {PretrainCommand.Arm.class})
final class PretrainCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("choose a pre-training: semivim pretrain arm --config <file.conf> | semivim pretrain --help");
    }

    /** ARM pre-training (ArmPretrainConfig keys, docs/training-loop.md). */
    @Command(name = "arm", description = {"ARM pre-training of a bidirectional ViM (config keys: docs/training-loop.md, ArmPretrainConfig).",
            "Writes checkpoints and at the end encoder.safetensors; Ctrl-C checkpoints, 'semivim resume <run-dir>' continues."})
    static final class Arm implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "the pre-training .conf file (HOCON)")
        Path config;

        @Parameters(paramLabel = "key=value", arity = "0..*", description = "overrides with dotted paths (later ones win)")
        List<String> overrides = List.of();

        @Option(names = "--run-dir", description = "where the run goes (default runs/arm-<date>-<time>)")
        Path runDir;

        @Option(names = "--checkpoint-every", defaultValue = "500", description = "steps between checkpoints (default ${DEFAULT-VALUE})")
        long checkpointEvery;

        @Option(names = "--progress", defaultValue = "auto", description = "auto, bar, lines or none (default ${DEFAULT-VALUE})")
        String progress;

        @Override
        public Integer call() throws Exception {
            Config resolved = HoconTrainConfig.resolve(config, overrides);
            ArmPretrainConfig arm = HoconTrainConfig.validate(resolved, ArmPretrainConfig::fromMap);
            Path dir = runDir != null ? runDir : TrainCommand.defaultRunDir("arm");
            RunDirectory.requireNew(dir);
            TrainingData data = RunLauncher.loadData(arm.data());
            ArmPretrainRun.create(dir, resolved, arm);
            return execute(dir, arm, data, checkpointEvery, RunOptions.progressMode(progress), System.out);
        }
    }

    /** Runs or resumes an ARM run directory with Ctrl-C handling; the exit code. */
    static int execute(Path dir, ArmPretrainConfig arm, TrainingData data, long checkpointEvery, org.semivim.cli.progress.Progress.Mode mode,
                       PrintStream out) throws IOException {
        out.println("run directory: " + dir + " (ARM pre-training)");
        try (StopRequest stop = StopRequest.onSignals(() -> System.err.println(
                "\nsemivim: stopping after this step and writing a checkpoint (press Ctrl-C again to quit at once)"))) {
            if (!ArmPretrainRun.run(dir, arm, data, checkpointEvery, mode, stop, out)) {
                out.println("semivim: stopped by " + stop.reason() + "; checkpoint written. Continue with: semivim resume " + dir);
                return StopRequest.EXIT_CODE;
            }
        }
        out.println("encoder: " + dir.resolve(ArmPretrainRun.ENCODER));
        return 0;
    }
}

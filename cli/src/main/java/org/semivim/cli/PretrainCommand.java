package org.semivim.cli;

import com.typesafe.config.Config;
import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.progress.Progress;
import org.semivim.cli.run.PretrainJob;
import org.semivim.cli.run.PretrainRun;
import org.semivim.cli.run.RunDevice;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.StopRequest;
import org.semivim.engine.ops.Ops;
import org.semivim.training.loop.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code semivim pretrain arm|mae --config file.conf [key=value ...]}: self-supervised pre-training of an encoder. */
@Command(name = "pretrain", description = "Self-supervised pre-training of an encoder: 'pretrain arm' (ViM, autoregressive) or 'pretrain mae' (ViT, masked autoencoder).",
        subcommands = {PretrainCommand.Arm.class, PretrainCommand.Mae.class})
final class PretrainCommand implements Runnable {
    static final long DEFAULT_CHECKPOINT_EVERY = 500;

    @Override
    public void run() {
        System.out.println("choose a pre-training: semivim pretrain arm|mae --config <file.conf> | semivim pretrain --help");
    }

    /** Options of both kinds. */
    abstract static class Base implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "the pre-training .conf file (HOCON)")
        Path config;

        @Parameters(paramLabel = "key=value", arity = "0..*", description = "overrides with dotted paths (later ones win)")
        List<String> overrides = List.of();

        @Option(names = "--run-dir", description = "where the run goes (default runs/<kind>-<date>-<time>)")
        Path runDir;

        @Option(names = "--checkpoint-every", defaultValue = "" + DEFAULT_CHECKPOINT_EVERY, description = "steps between checkpoints (default ${DEFAULT-VALUE})")
        long checkpointEvery;

        @Option(names = "--progress", defaultValue = "auto", description = "auto, bar, lines or none (default ${DEFAULT-VALUE})")
        String progress;

        @Option(names = "--device", defaultValue = "auto",
                description = "where the ops run: auto (the GPU when CUDA answers, else the CPU, saying why), cpu or cuda; default ${DEFAULT-VALUE} (docs/gpu.md)")
        String device;

        abstract PretrainJob.Kind kind();

        @Override
        public Integer call() throws Exception {
            Config resolved = HoconTrainConfig.resolve(config, overrides);
            PretrainJob.Config job = HoconTrainConfig.validate(resolved, kind()::read);
            Path dir = runDir != null ? runDir : TrainCommand.defaultRunDir(kind().name());
            RunDirectory.requireNew(dir);
            Ops ops = RunDevice.select(device, System.out);   // before the run directory: 'cuda' without a GPU creates none
            TrainingData data = RunLauncher.loadData(job.data());
            PretrainRun.create(dir, resolved, job);
            return execute(dir, job, data, checkpointEvery, RunOptions.progressMode(progress), ops, System.out);
        }
    }

    @Command(name = "arm", description = {"ARM pre-training of a bidirectional ViM (keys: ArmPretrainConfig, docs/training-loop.md).",
            "Writes checkpoints and at the end encoder.safetensors; Ctrl-C checkpoints, 'semivim resume <run-dir>' continues."})
    static final class Arm extends Base {
        @Override
        PretrainJob.Kind kind() {
            return PretrainJob.Kind.arm;
        }
    }

    @Command(name = "mae", description = {"MAE pre-training of a ViT (keys: MaePretrainConfig, docs/training-loop.md).",
            "Writes checkpoints and at the end encoder.safetensors (a ViT's init_from); Ctrl-C checkpoints, 'semivim resume' continues."})
    static final class Mae extends Base {
        @Override
        PretrainJob.Kind kind() {
            return PretrainJob.Kind.mae;
        }
    }

    /** Runs or resumes a pre-training run directory with Ctrl-C handling; the exit code. */
    static int execute(Path dir, PretrainJob.Config job, TrainingData data, long checkpointEvery, Progress.Mode mode, Ops ops, PrintStream out)
            throws IOException {
        out.println("run directory: " + dir + " (" + job.kind() + " pre-training)");
        try (StopRequest stop = StopRequest.onSignals(() -> System.err.println(
                "\nsemivim: stopping after this step and writing a checkpoint (press Ctrl-C again to quit at once)"))) {
            if (!PretrainRun.run(dir, job, data, checkpointEvery, mode, stop, out, ops)) {
                out.println("semivim: stopped by " + stop.reason() + "; checkpoint written. Continue with: semivim resume " + dir);
                return StopRequest.EXIT_CODE;
            }
        }
        out.println("encoder: " + dir.resolve(PretrainRun.ENCODER));
        return 0;
    }
}

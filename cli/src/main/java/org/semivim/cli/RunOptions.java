package org.semivim.cli;

import org.semivim.cli.progress.Progress;
import org.semivim.cli.run.RunDevice;
import org.semivim.cli.run.RuntimeKind;
import org.semivim.cli.run.RuntimeOptions;
import org.semivim.cli.run.TrainingSession;
import org.semivim.engine.ops.Ops;
import org.semivim.training.config.TrainConfig;
import picocli.CommandLine.Option;

/** Options shared by train, resume and demo: how the run is executed (never what it computes). */
final class RunOptions {
    @Option(names = "--runtime",
            description = "training runtime: ${COMPLETION-CANDIDATES} (default: reference; demo: actors); all give the same bits")
    RuntimeKind runtime;

    /** The chosen runtime, or {@code fallback} when none was given. */
    RuntimeKind runtimeOr(RuntimeKind fallback) {
        return runtime != null ? runtime : fallback;
    }

    @Option(names = "--trainers", defaultValue = "1", description = "StudentTrainer actors (--runtime actors; 1 .. shards; default ${DEFAULT-VALUE})")
    int trainers;

    @Option(names = "--augmenters", defaultValue = "2", description = "Augmenter actors (--runtime actors; default ${DEFAULT-VALUE})")
    int augmenters;

    @Option(names = "--periodic-test", defaultValue = "every",
            description = "the periodic evaluation (every eval_every steps, reference runtime) runs the test set at every evaluation "
                    + "('every', default) or only at the end ('end'); the validation split is always evaluated")
    String periodicTest;

    @Option(names = "--checkpoint-every", defaultValue = "0",
            description = "steps between checkpoints; 0 = the config's eval_every (a checkpoint is also written at the end and on Ctrl-C)")
    long checkpointEvery;

    @Option(names = "--eval-limit", defaultValue = "0", description = "test images per class in the final evaluation; 0 = all (default)")
    int evalLimit;

    @Option(names = "--eval-batch", defaultValue = "32", description = "images per forward pass in evaluation (default ${DEFAULT-VALUE})")
    int evalBatch;

    @Option(names = "--no-report", negatable = false, description = "do not write report/ at the end")
    boolean noReport;

    @Option(names = "--progress", defaultValue = "auto",
            description = "auto (a bar on a terminal, log lines otherwise), bar, lines or none (default ${DEFAULT-VALUE})")
    String progress;

    @Option(names = "--device", defaultValue = "auto",
            description = "where the ops run: auto (the GPU when a CUDA driver and device answer, else the CPU, saying why), cpu or cuda "
                    + "(an error without a GPU); default ${DEFAULT-VALUE}; on the GPU the parameters stay resident and are updated there (docs/gpu.md)")
    String device;

    private Ops ops;

    /** The ops of {@code --device}, selected on the first call (which prints the device line to {@code out}), the same after. */
    Ops ops(java.io.PrintStream out) {
        if (ops == null) ops = RunDevice.select(device, out);
        return ops;
    }

    RuntimeOptions runtimeOptions() {
        if (!periodicTest.equals("every") && !periodicTest.equals("end")) {
            throw new IllegalArgumentException("--periodic-test must be 'every' or 'end', got '" + periodicTest + "'");
        }
        return new RuntimeOptions(trainers, augmenters, evalBatch, periodicTest.equals("every"));
    }

    Progress.Mode progressMode() {
        return progressMode(progress);
    }

    static Progress.Mode progressMode(String value) {
        return switch (value) {
            case "auto" -> Progress.Mode.auto();
            case "bar" -> Progress.Mode.BAR;
            case "lines" -> Progress.Mode.LINES;
            case "none" -> Progress.Mode.NONE;
            default -> throw new IllegalArgumentException("--progress must be auto, bar, lines or none, got '" + value + "'");
        };
    }

    TrainingSession.Options sessionOptions(TrainConfig config) {
        long every = checkpointEvery == 0 ? config.evalEvery() : checkpointEvery;
        return new TrainingSession.Options(every, evalLimit, evalBatch, !noReport, progressMode());
    }
}

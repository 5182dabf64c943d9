package org.semivim.cli;

import org.semivim.cli.report.ReportWriter;
import org.semivim.cli.run.RunDevice;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RunEvaluation;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.ops.Ops;
import org.semivim.cli.run.RunModels;
import org.semivim.training.checkpoint.Checkpoint;
import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainCheckpoints;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code semivim eval <run-dir|checkpoint>}: the test-set metrics of a run's student and teacher at a checkpoint. */
@Command(name = "eval", description = {"Evaluate the student and teacher of a checkpoint on the test set (docs/evaluation.md):",
        "top-1/top-5, balanced accuracy, macro F1, mAP, many/medium/few, collapse. Writes report/eval.json and the report."})
final class EvalCommand implements Callable<Integer> {
    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");

    @Parameters(paramLabel = "<run-dir|checkpoint>", description = "a run directory (its newest good checkpoint) or one checkpoint directory")
    Path target;

    @Option(names = "--eval-limit", defaultValue = "0", description = "test images per class; 0 = all (default)")
    int evalLimit;

    @Option(names = "--eval-batch", defaultValue = "32", description = "images per forward pass (default ${DEFAULT-VALUE})")
    int evalBatch;

    @Option(names = "--no-report", negatable = false, description = "do not rewrite report/")
    boolean noReport;

    @Option(names = "--progress", defaultValue = "auto", description = "auto, bar, lines or none (default ${DEFAULT-VALUE})")
    String progress;

    @Option(names = "--device", defaultValue = "auto",
            description = "where the forward passes run: auto (the GPU when CUDA answers, else the CPU, saying why), cpu or cuda; default ${DEFAULT-VALUE} (docs/gpu.md)")
    String device;

    @Override
    public Integer call() throws Exception {
        Path runDir = target;
        Long step = null;
        RunDirectory.rejectOtherKinds(target);
        if (!Files.isRegularFile(target.resolve(RunDirectory.CONFIG_JSON))) {
            Matcher m = STEP_DIR.matcher(target.getFileName() == null ? "" : target.getFileName().toString());
            Path parent = target.toAbsolutePath().normalize().getParent();
            if (!m.matches() || parent == null || parent.getParent() == null) {
                throw new IllegalArgumentException(target + " is neither a run directory (with " + RunDirectory.CONFIG_JSON
                        + ") nor a checkpoint directory (run-dir/checkpoints/step-NNNNNNNNN)");
            }
            runDir = parent.getParent();
            step = Long.parseLong(m.group(1));
        }
        if (evalBatch < 1) throw new IllegalArgumentException("--eval-batch must be at least 1, got " + evalBatch);
        RunDirectory run = RunDirectory.open(runDir);
        TrainConfig config = run.config();
        CheckpointStore store = run.checkpoints();
        Checkpoint checkpoint;
        if (step != null) {
            checkpoint = store.load(step, config.hash());
        } else {
            Optional<LoadResult> latest = store.latest(config.hash());
            if (latest.isEmpty()) throw new IllegalArgumentException(runDir + " has no checkpoint yet");
            checkpoint = latest.get().checkpoint();
        }
        Ops ops = RunDevice.select(device, System.out);
        ImageClassifier student = RunModels.create(config, ops);
        TrainState state = TrainCheckpoints.stateOf(checkpoint, student.parameters());
        System.arraycopy(state.student(), 0, student.parameters().flatValues().data, 0, student.parameters().count());
        TrainingData data = RunLauncher.loadData(config.data());
        RunEvaluation eval = RunEvaluation.evaluate(config, data, state.step(), student, state.teacher(), evalLimit, evalBatch,
                RunOptions.progressMode(progress), System.out, () -> false, ops);
        eval.write(run.reportDir());
        System.out.print(eval.summary());
        if (!noReport) System.out.println("report: " + ReportWriter.write(run));
        return 0;
    }
}

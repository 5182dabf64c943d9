package org.semivim.cli;

import com.typesafe.config.Config;
import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.report.ReportWriter;
import org.semivim.cli.run.PipelineRun;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.StopRequest;
import org.semivim.cli.run.TrainingSession;
import org.semivim.training.config.PipelineConfig;
import org.semivim.training.loop.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code semivim pipeline --config p.conf}: the Semi-ViM pipeline, ARM pre-training → fine-tune → SSL, then evaluation and report. */
@Command(name = "pipeline", description = {"The Semi-ViM pipeline: ARM pre-training, supervised fine-tune, SSL (keys: PipelineConfig, docs/training-loop.md),",
        "then the SSL stage's evaluation and report in <run-dir>/ssl/. Ctrl-C stops on a checkpoint; 'semivim resume <run-dir>' continues."})
final class PipelineCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "the pipeline's .conf file (HOCON)")
    Path config;

    @Parameters(paramLabel = "key=value", arity = "0..*", description = "overrides with dotted paths, e.g. ssl.steps=2000 (later ones win)")
    List<String> overrides = List.of();

    @Option(names = "--run-dir", description = "where the run goes (default runs/pipeline-<date>-<time>)")
    Path runDir;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() throws Exception {
        Config resolved = HoconTrainConfig.resolve(config, overrides);
        PipelineConfig pipeline = HoconTrainConfig.validate(resolved, PipelineConfig::fromMap);
        Path dir = runDir != null ? runDir : TrainCommand.defaultRunDir("pipeline");
        RunDirectory.requireNew(dir);
        options.ops(System.out);   // --device first: 'cuda' without a GPU creates no run directory
        TrainingData data = RunLauncher.loadData(pipeline.data());
        PipelineRun.create(dir, resolved);
        return execute(dir, pipeline, data, options, System.out);
    }

    /** Runs or resumes a pipeline run directory with Ctrl-C handling, then evaluates and reports its SSL stage; the exit code. */
    static int execute(Path dir, PipelineConfig pipeline, TrainingData data, RunOptions options, PrintStream out) throws IOException {
        TrainingSession.Options session = options.sessionOptions(pipeline.ssl());
        org.semivim.engine.ops.Ops ops = options.ops(out);
        out.println("run directory: " + dir + " (Semi-ViM pipeline)");
        try (StopRequest stop = StopRequest.onSignals(() -> System.err.println(
                "\nsemivim: stopping at the next checkpoint (press Ctrl-C again to quit at once)"))) {
            if (!PipelineRun.run(dir, pipeline, data, session.checkpointEvery(), session.progress(), stop, out, ops)) {
                out.println("semivim: stopped by " + stop.reason() + " on a checkpoint. Continue with: semivim resume " + dir);
                return StopRequest.EXIT_CODE;
            }
        }
        RunDirectory ssl = PipelineRun.finish(dir, pipeline, data, session, out, ops);
        if (session.report()) out.println("report: " + ReportWriter.write(ssl));
        return 0;
    }
}

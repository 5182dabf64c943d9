package org.semivim.cli;

import org.semivim.cli.run.PipelineRun;
import org.semivim.cli.run.PretrainJob;
import org.semivim.cli.run.PretrainRun;
import org.semivim.cli.run.RunDirectory;
import org.semivim.training.config.PipelineConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code semivim resume <run-dir>}: continues a run from its newest good checkpoint with the config it started with. */
@Command(name = "resume", description = {"Continue a run from its newest good checkpoint (same config; a changed config.conf is refused),",
        "then evaluate and write the report. A finished run is only evaluated and reported again.",
        "A pre-training run (pretrain.json) or a pipeline (pipeline.json) continues where it stopped."})
final class ResumeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "<run-dir>", description = "the run directory")
    Path runDir;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() throws Exception {
        if (PipelineRun.isPipelineRun(runDir)) {
            PipelineConfig pipeline = PipelineRun.open(runDir);
            return PipelineCommand.execute(runDir, pipeline, RunLauncher.loadData(pipeline.data()), options, System.out);
        }
        if (PretrainRun.isPretrainRun(runDir)) {
            PretrainJob.Config job = PretrainRun.open(runDir);
            long every = options.checkpointEvery == 0 ? PretrainCommand.DEFAULT_CHECKPOINT_EVERY : options.checkpointEvery;
            return PretrainCommand.execute(runDir, job, RunLauncher.loadData(job.data()), every, options.progressMode(), options.ops(System.out),
                    System.out);
        }
        return RunLauncher.execute(RunDirectory.open(runDir), options, System.out);
    }
}

package org.semivim.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.util.concurrent.CompletableFuture;

/**
 * Runs a training run on the actor runtime in this JVM: one {@link ActorSystem} whose guardian is a
 * {@link RunGuardian}, configured by {@code semivim-local.conf} (module cluster-config).
 * <pre>
 *   RunResult r = RunOrchestrator.run(config, TrainingData.load(config.data()),
 *           RunOptions.defaults().withRunDirectory(dir, 100));   // blocks until the last step is committed
 * </pre>
 * With a run directory, a run that finds checkpoints of the same config there resumes from the newest
 * good one (the same call resumes a killed run), and the metrics go to {@code dir/metrics.jsonl}.
 * The final parameters are bit-identical to {@code ReferenceTrainer}'s after the same steps.
 * {@link #start} returns a {@link RunHandle} instead, whose {@code requestStop()} ends the run early
 * with a checkpoint (the cli's Ctrl-C).
 */
public final class RunOrchestrator {
    /** The HOCON resource (in cluster-config) a local run loads. */
    public static final String LOCAL_CONFIG = "semivim-local";

    private RunOrchestrator() {}

    /** Runs {@code config} to its last step and returns the final parameters. */
    public static RunResult run(TrainConfig config, TrainingData data, RunOptions options) {
        return run(config, data, options, ConfigFactory.load(LOCAL_CONFIG));
    }

    /** As {@link #run(TrainConfig, TrainingData, RunOptions)} with a given Pekko configuration. */
    public static RunResult run(TrainConfig config, TrainingData data, RunOptions options, Config pekkoConfig) {
        try (RunHandle handle = start(config, data, options, pekkoConfig)) {
            return handle.result();
        }
    }

    /** Starts {@code config} without waiting: the handle gives the result and can stop the run early (Ctrl-C). */
    public static RunHandle start(TrainConfig config, TrainingData data, RunOptions options) {
        return start(config, data, options, ConfigFactory.load(LOCAL_CONFIG));
    }

    /** As {@link #start(TrainConfig, TrainingData, RunOptions)} with a given Pekko configuration. */
    public static RunHandle start(TrainConfig config, TrainingData data, RunOptions options, Config pekkoConfig) {
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        return new RunHandle(ActorSystem.create(RunGuardian.create(config, data, options, result), "semivim", pekkoConfig), result);
    }
}

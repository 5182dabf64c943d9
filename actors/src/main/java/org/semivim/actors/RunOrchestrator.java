package org.semivim.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

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
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        ActorSystem<RunGuardian.Command> system = ActorSystem.create(RunGuardian.create(config, data, options, result), "semivim", pekkoConfig);
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailedException("interrupted while waiting for the run", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RunFailedException f) throw f;
            throw new RunFailedException("the run failed: " + e.getCause(), e.getCause());
        } finally {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                // the run's result is already decided; a slow shutdown does not change it
            }
        }
    }
}

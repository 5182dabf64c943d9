package org.semivim.cli;

import org.semivim.actors.FlowGauges;
import org.semivim.actors.RunOptions;
import org.semivim.actors.RunOrchestrator;
import org.semivim.actors.RunResult;
import org.semivim.engine.ops.CpuGemm;
import org.semivim.engine.ops.Parallel;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.ReferenceTrainer;
import org.semivim.training.loop.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Throughput of the actor runtime against the single-process reference trainer, same config, same
 * steps: after one untimed run of each, {@code repeats} runs of each in alternating order, steps/s
 * timed from the record of the last warm-up step to the record of the last step (start-up left
 * out), their ratio (target ≥ 0.95), whether the final parameters are the same bits, and the
 * per-actor work time of a step (docs/benchmarks.md).
 */
@Command(name = "actors", description = "Actor runtime vs single-process trainer: steps/s, ratio, per-actor time per step.")
final class ActorsBench implements Callable<Integer> {
    @Option(names = "--config", description = "a TrainConfig JSON file (overrides --method/--model/--b-l/--mu/--steps)")
    Path config;

    @Option(names = "--method", defaultValue = "fixmatch", description = "method (default ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--model", defaultValue = "vim-fmnist-tiny", description = "model preset (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--b-l", defaultValue = "16", description = "labeled batch (default ${DEFAULT-VALUE})")
    int labeledBatch;

    @Option(names = "--mu", defaultValue = "2", description = "mu_ratio (default ${DEFAULT-VALUE})")
    int mu;

    @Option(names = "--steps", defaultValue = "30", description = "steps per run (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "leading steps left out of the timing (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--repeats", defaultValue = "4", description = "runs of each runtime, alternating; medians reported (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--trainers", defaultValue = "1", description = "StudentTrainers (default ${DEFAULT-VALUE})")
    int trainers;

    @Option(names = "--augmenters", defaultValue = "2", description = "Augmenters (default ${DEFAULT-VALUE})")
    int augmenters;

    @Option(names = "--lookahead", defaultValue = "2", description = "steps the loader may run ahead (default ${DEFAULT-VALUE})")
    int lookahead;

    @Override
    public Integer call() throws Exception {
        TrainConfig c = trainConfig();
        if (warmup < 0 || warmup >= c.steps()) throw new IllegalArgumentException("--warmup must be in [0, steps)");
        if (repeats < 1) throw new IllegalArgumentException("--repeats must be at least 1");
        TrainingData data = TrainingData.load(c.data());
        System.out.printf("method=%s model=%s b_l=%d mu=%d shards=%d steps=%d warmup=%d threads=%d blas=%s trainers=%d augmenters=%d lookahead=%d%n",
                c.method().configName(), model, c.labeledBatch(), c.muRatio(), c.shards(), c.steps(), warmup, Parallel.threads(),
                new CpuGemm().implementation(), trainers, augmenters, lookahead);
        // one untimed run of each first: JIT, per-thread workspaces and the page cache settle
        new ReferenceTrainer(c, data).run();
        RunOrchestrator.run(c, data, RunOptions.defaults().withTrainers(trainers).withAugmenters(augmenters).withLookahead(lookahead));
        double[] ref = new double[repeats], act = new double[repeats];
        FlowGauges gauges = null;
        boolean identical = true;
        for (int r = 0; r < repeats; r++) {
            // alternate which runtime goes first, so neither always inherits the other's garbage and cache
            float[][] refFinal = new float[2][];
            FlowGauges g = new FlowGauges();
            RunResult result = null;
            for (int k = 0; k < 2; k++) {
                if ((k == 0) == (r % 2 == 0)) {
                    long[] refTimes = new long[(int) c.steps()];
                    ReferenceTrainer trainer = new ReferenceTrainer(c, data);
                    trainer.addListener(rec -> refTimes[(int) rec.step()] = System.nanoTime());
                    trainer.run();
                    ref[r] = rate(refTimes);
                    refFinal[0] = trainer.studentParameters();
                    refFinal[1] = trainer.teacherParameters();
                } else {
                    long[] actTimes = new long[(int) c.steps()];
                    RunOptions options = RunOptions.defaults().withTrainers(trainers).withAugmenters(augmenters).withLookahead(lookahead)
                            .withGauges(g).withListener(rec -> {
                                actTimes[(int) rec.step()] = System.nanoTime();
                                if (rec.step() == warmup) g.resetWork();   // the work of the timed steps (the pipeline may have started one early)
                            });
                    result = RunOrchestrator.run(c, data, options);
                    act[r] = rate(actTimes);
                }
            }
            gauges = g;
            identical &= Arrays.equals(result.student(), refFinal[0]) && Arrays.equals(result.teacher(), refFinal[1]);
            System.out.printf("run %d (%s first): reference %.3f steps/s, actors %.3f steps/s, ratio %.3f%n", r,
                    r % 2 == 0 ? "reference" : "actors", ref[r], act[r], act[r] / ref[r]);
        }
        double refMedian = median(ref), actMedian = median(act);
        double[] ratios = new double[repeats];
        for (int r = 0; r < repeats; r++) ratios[r] = act[r] / ref[r];
        System.out.printf("median: reference %.3f steps/s (%.1f ms/step), actors %.3f steps/s (%.1f ms/step), ratio of medians %.3f, median ratio %.3f (target >= 0.95), bit_identical=%s%n",
                refMedian, 1e3 / refMedian, actMedian, 1e3 / actMedian, actMedian / refMedian, median(ratios), identical);
        long timed = c.steps() - 1 - warmup;
        System.out.printf("per-actor work per step (last actor run, the %d timed steps; actors of a kind added up): %n", timed);
        for (FlowGauges.Work w : FlowGauges.Work.values()) {
            System.out.printf("  %-13s %8.1f ms/step  (%d calls)%n", w, gauges.workNanos(w) / 1e6 / timed, gauges.workCount(w));
        }
        double stepMs = 1e3 / act[repeats - 1];
        double critical = (gauges.workNanos(FlowGauges.Work.PSEUDO_LABEL) + gauges.workNanos(FlowGauges.Work.SHARDS) / (double) trainers
                + gauges.workNanos(FlowGauges.Work.UPDATE)) / 1e6 / timed;
        System.out.printf("  step %.1f ms = critical path %.1f ms (PSEUDO_LABEL + SHARDS/trainers + UPDATE) + messaging and waiting %.1f ms (%.1f%%)%n",
                stepMs, critical, stepMs - critical, 100 * (stepMs - critical) / stepMs);
        System.out.printf("  buffers: max outstanding steps %d, max buffered views %d, max views in flight %d%n",
                gauges.maxOutstandingSteps(), gauges.maxBufferedViews(), gauges.maxViewsInFlight());
        return identical ? 0 : 1;
    }

    private double rate(long[] times) {
        return (times.length - 1 - warmup) / ((times[times.length - 1] - times[warmup]) / 1e9);
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private TrainConfig trainConfig() throws Exception {
        if (config != null) return TrainConfig.fromJson(Files.readString(config));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("model", model);
        m.put("steps", steps);
        m.put("b_l", labeledBatch);
        m.put("mu_ratio", mu);
        return TrainConfig.fromMap(m);
    }
}

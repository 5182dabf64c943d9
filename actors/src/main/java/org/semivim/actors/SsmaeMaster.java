package org.semivim.actors;

import org.semivim.data.store.PseudoLabelMemory;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.StepRecord;
import org.semivim.training.loop.TrainState;
import org.semivim.training.loop.TrainingData;
import org.semivim.training.ssmae.SsmaeGate;
import org.semivim.training.ssmae.SsmaeStep;
import org.semivim.training.ssmae.SsmaeTrainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The supervisor's master state for SSMAE: an {@link SsmaeTrainer} used only for its state and its
 * phases (6)–(7) ({@link SsmaeTrainer#commit}): θ, AdamW, the epoch's gate and the Chronicle
 * pseudo-label memory, which only the supervisor writes (the memory file lives in
 * {@code <run dir>/ssmae-work}, or in a temporary directory without a run directory; it is rebuilt
 * from the checkpoint's state on every (re)start). Built as {@code SsmaeTrainer} builds itself, so
 * {@code init_from} is loaded the same way.
 */
final class SsmaeMaster implements Master {
    static final String WORK_DIRECTORY = "ssmae-work";

    private final SsmaeTrainer trainer;
    private final Path workDir;
    private final boolean temporary;

    SsmaeMaster(TrainConfig config, TrainingData data, RunOptions options) {
        try {
            this.temporary = options.runDirectory() == null;
            this.workDir = temporary ? Files.createTempDirectory("semivim-ssmae-") : options.runDirectory().resolve(WORK_DIRECTORY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the SSMAE memory: " + e.getMessage(), e);
        }
        this.trainer = new SsmaeTrainer(config, data, workDir, options.ops());
    }

    /** Phases (6)–(7) of step {@link #committed()}: memory write, Σ_s g_s, AdamW, the record. */
    StepRecord commit(SsmaeStep.Plan plan, List<SsmaeStep.ShardResult> shards) {
        return trainer.commit(plan, shards);
    }

    /** The memory view TeacherInference needs for version {@link #committed()}: everything on a reset, else what the last commit wrote. */
    TeacherInference.MemoryView view(boolean reset) {
        List<PseudoLabelMemory.Memorised> entries = reset ? trainer.memory() : trainer.lastAdmitted();
        SsmaeGate.Decision gate = trainer.gate();
        return new TeacherInference.MemoryView(trainer.nextStep(), gate, entries, reset);
    }

    @Override
    public long committed() {
        return trainer.nextStep();
    }

    @Override
    public float[] student() {
        return trainer.parameters();
    }

    @Override
    public float[] teacher() {
        return null;
    }

    @Override
    public TrainState snapshot() {
        return trainer.state();
    }

    @Override
    public void restore(TrainState state) {
        trainer.restore(state);
    }

    @Override
    public void close() {
        trainer.close();
        if (!temporary) return;
        try (Stream<Path> files = Files.walk(workDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the SSMAE memory directory " + workDir + ": " + e.getMessage(), e);
        }
    }
}

package org.semivim.cli.run;

import org.semivim.training.checkpoint.CheckpointStore;
import org.semivim.training.checkpoint.LoadResult;
import org.semivim.training.config.MaePretrainConfig;
import org.semivim.training.mae.MaeCheckpoints;
import org.semivim.training.mae.MaePretrainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** MAE pre-training ({@link MaePretrainer}) as a {@link PretrainJob}. */
final class MaeJob implements PretrainJob {
    private final MaePretrainer trainer;

    static PretrainJob.Config config(MaePretrainConfig config) {
        return new KindConfig(Kind.mae, config.steps(), config.batch(), config.canonicalMap(), config.data(),
                (data, ops) -> new MaeJob(new MaePretrainer(config, data, ops)));
    }

    private MaeJob(MaePretrainer trainer) {
        this.trainer = trainer;
    }

    @Override
    public long nextStep() {
        return trainer.nextStep();
    }

    @Override
    public Step runStep() {
        MaePretrainer.StepRecord r = trainer.runStep();
        return PretrainJob.step(r.step(), r.fields(), r.loss(), r.lr(), r.skipped());
    }

    @Override
    public void save(CheckpointStore store) throws IOException {
        MaeCheckpoints.save(store, trainer);
    }

    @Override
    public Optional<LoadResult> resume(CheckpointStore store) throws IOException {
        return MaeCheckpoints.resume(store, trainer);
    }

    /** Through a temporary file and a move, so a crash never leaves half an encoder. */
    @Override
    public void writeEncoder(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        trainer.saveEncoder(tmp);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

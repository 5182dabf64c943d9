package org.semivim.training.loop;

import org.semivim.data.io.FashionMnist;
import org.semivim.data.io.GeneratedDataset;
import org.semivim.data.io.ImageDataset;
import org.semivim.data.split.LongTailSplit;
import org.semivim.data.split.LongTailSplitter;
import org.semivim.training.config.DataConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The images of a run: the training set with its long-tailed split (validation, labeled,
 * unlabeled; ssl-spec.md §4) and the balanced test set. The unlabeled samples' labels stay in
 * {@code train} only for diagnostics (pseudo-label accuracy); methods never read them.
 */
public record TrainingData(ImageDataset train, ImageDataset test, LongTailSplit split) {

    /** Loads (Fashion-MNIST, MD5-verified) or generates the data of {@code config} and draws its split. */
    public static TrainingData load(DataConfig config) {
        ImageDataset train, test;
        if (config.source() == DataConfig.Source.GENERATED) {
            DataConfig.GeneratedData g = config.generated();
            train = GeneratedDataset.create(g.seed(), g.classes(), g.perClass(), g.size());
            test = GeneratedDataset.create(g.seed() + 1, g.classes(), g.testPerClass(), g.size());
        } else {
            Path dir = config.directory() != null ? Path.of(config.directory()) : FashionMnist.defaultDirectory();
            try {
                FashionMnist.TrainTest both = FashionMnist.load(dir, FashionMnist.Md5Check.VERIFY);
                train = both.train();
                test = both.test();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load Fashion-MNIST from " + dir + ": " + e.getMessage(), e);
            }
        }
        return new TrainingData(train, test, LongTailSplitter.split(train, config.protocol(), config.splitSeed()));
    }
}

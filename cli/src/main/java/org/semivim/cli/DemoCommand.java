package org.semivim.cli;

import org.semivim.cli.config.HoconTrainConfig;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RuntimeKind;
import org.semivim.data.io.FashionMnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code semivim demo}: LyapEMA + SSMixup on Fashion-MNIST-LT (protocol A1) with the small ViM
 * preset for a few minutes, then the test evaluation and the report. Without Fashion-MNIST it says
 * how to get it and trains on the generated data set instead.
 */
@Command(name = "demo", description = {"Train LyapEMA+SSMixup on Fashion-MNIST-LT (protocol A1) with the small ViM preset for a few minutes",
        "on the actor runtime, evaluate on the test set and write the report. Without Fashion-MNIST it falls back to generated images",
        "(and says so)."})
final class DemoCommand implements Callable<Integer> {
    static final String CONFIG_RESOURCE = "/demo.conf";

    @Option(names = "--run-dir", description = "where the run goes (default runs/demo-<date>-<time>)")
    Path runDir;

    @Option(names = "--steps", description = "training steps (default: the demo config's, a few minutes on 2 cores)")
    Long steps;

    @Option(names = "--data-dir", description = "Fashion-MNIST directory (default " + FashionMnist.DEBIAN_DIRECTORY + ")")
    Path dataDir;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        List<String> overrides = new ArrayList<>();
        if (steps != null) overrides.add("steps=" + steps);
        Path fashion = dataDir != null ? dataDir : FashionMnist.defaultDirectory();
        if (FashionMnist.isPresent(fashion)) {
            if (dataDir != null) overrides.add("data.dir=" + quoted(dataDir.toAbsolutePath().toString()));
            out.println("semivim demo: Fashion-MNIST from " + fashion);
        } else {
            overrides.addAll(generatedFallback());
            out.println("semivim demo: Fashion-MNIST is not in " + fashion + ".");
            out.println("  To get it: apt-get install dataset-fashion-mnist (Debian package; files in " + FashionMnist.DEBIAN_DIRECTORY
                    + "), or pass --data-dir with the four IDX files.");
            out.println("  Falling back to the GENERATED data set (data.source = generated: 10 classes of synthetic 28x28 images, "
                    + "same protocol A1); its accuracies say nothing about Fashion-MNIST.");
        }
        HoconTrainConfig.Loaded loaded = HoconTrainConfig.parse(demoConfig(), "demo.conf", overrides);
        out.println("semivim demo: " + loaded.config().method().configName() + ", model vim-fmnist-small, protocol "
                + loaded.config().data().protocol().name() + ", " + loaded.config().steps() + " steps of B_l " + loaded.config().labeledBatch()
                + " + B_u " + loaded.config().unlabeledBatch());
        Path dir = runDir != null ? runDir : TrainCommand.defaultRunDir("demo");
        RunDirectory.requireNew(dir);
        options.ops(out);   // --device first: 'cuda' without a GPU creates no run directory
        org.semivim.training.loop.TrainingData data = RunLauncher.loadData(loaded.config().data());
        return RunLauncher.execute(RunDirectory.create(dir, loaded), data, options, RuntimeKind.actors, out);
    }

    /** The overrides that replace Fashion-MNIST by generated images with as many per class as A1 needs. */
    static List<String> generatedFallback() {
        return List.of("data.source=generated", "data.generated={classes=10, per_class=5000, test_per_class=1000, size=28, seed=0}");
    }

    static String demoConfig() throws java.io.IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(CONFIG_RESOURCE)) {
            if (in == null) throw new IllegalStateException(CONFIG_RESOURCE + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}

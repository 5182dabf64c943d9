package org.semivim.cli;

import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RuntimeKind;
import org.semivim.cli.run.StopRequest;
import org.semivim.cli.run.TrainRuntime;
import org.semivim.cli.run.TrainingSession;
import org.semivim.data.io.FashionMnist;
import org.semivim.training.config.DataConfig;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/** Loads a run's data, opens its runtime and drives the session with Ctrl-C handling; returns the exit code. */
final class RunLauncher {
    private RunLauncher() {}

    static int execute(RunDirectory run, RunOptions options, PrintStream out) throws IOException {
        return execute(run, loadData(run.config().data()), options, RuntimeKind.reference, out);
    }

    /** @param defaultRuntime the runtime when the options name none */
    static int execute(RunDirectory run, TrainingData data, RunOptions options, RuntimeKind defaultRuntime, PrintStream out) throws IOException {
        RuntimeKind kind = options.runtimeOr(defaultRuntime);
        org.semivim.engine.ops.Ops ops = options.ops(out);
        out.println("run directory: " + run.dir() + " (runtime " + kind + ")");
        try (TrainRuntime runtime = kind.open(run.config(), data, run.dir(), options.runtimeOptions(), ops);
             StopRequest stop = runtime.stopsOnRequest()
                     ? StopRequest.onSignals(() -> System.err.println(
                             "\nsemivim: stopping after this step and writing a checkpoint (press Ctrl-C again to quit at once)"))
                     : StopRequest.manual()) {
            if (!runtime.stopsOnRequest()) {
                out.println("Ctrl-C ends this runtime at once; 'semivim resume " + run.dir() + "' continues from its last checkpoint");
            }
            TrainingSession.Outcome outcome = TrainingSession.run(run, runtime, data, options.sessionOptions(run.config()), stop, out, ops);
            return outcome == TrainingSession.Outcome.STOPPED ? StopRequest.EXIT_CODE : 0;
        }
    }

    /** The run's images; a missing Fashion-MNIST says how to get it. */
    static TrainingData loadData(DataConfig config) {
        try {
            return TrainingData.load(config);
        } catch (UncheckedIOException e) {
            if (config.source() == DataConfig.Source.FASHION_MNIST) {
                throw new IllegalArgumentException(e.getMessage() + ". Install it with 'apt-get install dataset-fashion-mnist' (Debian package, "
                        + "files in " + FashionMnist.DEBIAN_DIRECTORY + "), set data.dir to a directory holding the four IDX files, "
                        + "or train on generated images with data.source = generated", e);
            }
            throw e;
        }
    }
}

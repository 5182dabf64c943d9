package org.semivim.actors;

import org.semivim.training.config.TrainConfig;
import org.semivim.training.loop.TrainingData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A run on the actor runtime as a process: {@code LocalRun <config.json> <run-dir> <checkpoint-every> [trainers] [augmenters]}.
 * Starts the run, or resumes it from the newest good checkpoint in the run directory (the same
 * command after a crash or a kill), prints {@code step <t>} as each step's record is written and
 * {@code done <steps>} at the end. Exit 2 with one line on bad input or a failed run. (The cli's
 * {@code train} command is the user-facing way; this entry point serves the kill-and-resume test.)
 */
public final class LocalRun {
    private LocalRun() {}

    public static void main(String[] args) {
        if (args.length < 3 || args.length > 5) {
            System.err.println("usage: LocalRun <config.json> <run-dir> <checkpoint-every> [trainers] [augmenters]");
            System.exit(2);
        }
        try {
            TrainConfig config = TrainConfig.fromJson(Files.readString(Path.of(args[0])));
            RunOptions options = RunOptions.defaults().withRunDirectory(Path.of(args[1]), Long.parseLong(args[2]))
                    .withListener(r -> {
                        System.out.println("step " + r.step());
                        System.out.flush();
                    });
            if (args.length > 3) options = options.withTrainers(Integer.parseInt(args[3]));
            if (args.length > 4) options = options.withAugmenters(Integer.parseInt(args[4]));
            RunResult result = RunOrchestrator.run(config, TrainingData.load(config.data()), options);
            System.out.println("done " + result.steps());
            System.exit(0);
        } catch (IOException | RuntimeException e) {
            System.err.println("semivim: " + e.getMessage());
            System.exit(2);
        }
    }
}

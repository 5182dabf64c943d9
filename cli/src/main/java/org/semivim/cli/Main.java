package org.semivim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code semivim} command. */
@Command(name = "semivim", mixinStandardHelpOptions = true, version = "semivim 0.1.0-SNAPSHOT",
        description = "Semi-supervised image classification with Vision Mamba and ViT.",
        subcommands = {DemoCommand.class, TrainCommand.class, PretrainCommand.class, PipelineCommand.class, ResumeCommand.class, EvalCommand.class, ReportCommand.class, ConfigCommand.class,
                NodeCommand.class, MediaDriverCommand.class, InfoCommand.class, PredictCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (used by tests). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // Bad input (unknown keys, wrong shapes, corrupt files) is reported as one clear line.
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException
                    || ex instanceof IllegalStateException || ex instanceof org.semivim.training.checkpoint.CheckpointException) {
                cmd.getErr().println("semivim " + cmd.getCommandName() + ": " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}

package org.semivim.cli;

import org.semivim.cli.run.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code semivim resume <run-dir>}: continues a run from its newest good checkpoint with the config it started with. */
@Command(name = "resume", description = {"Continue a run from its newest good checkpoint (same config; a changed config.conf is refused),",
        "then evaluate and write the report. A finished run is only evaluated and reported again."})
final class ResumeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "<run-dir>", description = "the run directory")
    Path runDir;

    @Mixin
    RunOptions options;

    @Override
    public Integer call() throws Exception {
        return RunLauncher.execute(RunDirectory.open(runDir), options, System.out);
    }
}

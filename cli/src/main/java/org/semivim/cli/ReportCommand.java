package org.semivim.cli;

import org.semivim.cli.report.ReportWriter;
import org.semivim.cli.run.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code semivim report <run-dir>}: (re)writes report/index.html and its PNG plots. */
@Command(name = "report", description = "Write report/index.html and PNG plots from a run's metrics.jsonl and report/eval.json.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "<run-dir>", description = "the run directory")
    Path runDir;

    @Override
    public Integer call() throws Exception {
        Path index = ReportWriter.write(RunDirectory.open(runDir));
        System.out.println("report: " + index);
        return 0;
    }
}

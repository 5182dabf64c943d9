package org.semivim.cli;

import org.semivim.engine.ops.CpuGemm;
import org.semivim.engine.ops.Parallel;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Prints what this machine gives semivim: Java, threads, the BLAS implementation in use. */
@Command(name = "info", description = "Show the Java runtime, compute threads and BLAS implementation in use.")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("java     " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        System.out.println("threads  " + Parallel.threads() + " (set with -Dsemivim.threads=N via SEMIVIM_JAVA_OPTS)");
        System.out.println("blas     " + new CpuGemm().implementation());
        return 0;
    }
}

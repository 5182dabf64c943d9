package org.semivim.cli;

import org.semivim.gpu.GpuStepBench;
import org.semivim.gpu.OpsProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code semivim bench gpu-step}: {@link GpuStepBench} on the CUDA device (fails clearly without one). */
@Command(name = "gpu-step", description = "Time a training step on the CUDA backend: images/s, MFU, selective-scan bandwidth (docs/gpu.md).")
final class GpuStepBenchCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "vim-tiny", description = "preset or model file (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--batch", defaultValue = "128", description = "images per step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--steps", defaultValue = "10", description = "timed steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed steps first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--peak-tflops", defaultValue = "67",
            description = "fp32 (non-tensor-core) peak for MFU; default ${DEFAULT-VALUE}: H100 SXM and H200")
    double peakTflops;

    @Override
    public Integer call() {
        OpsProvider.Selected sel = OpsProvider.select("cuda", System.err::println);
        GpuStepBench.run(sel.cuda(), model, batch, steps, warmup, peakTflops, System.out);
        return 0;
    }
}

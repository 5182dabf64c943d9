package org.semivim.gpu;

import org.semivim.engine.models.ModelSpec;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code semivim bench gpu-step} without the cli's dependencies, for the device bundle
 * (gpu/bench/device-bundle.sh): {@code --model M --batch B --steps S --warmup W --peak-tflops P
 * --scan-only false|true} ({@code true}: only the scan kernels of the model's shape, every variant,
 * {@link ScanKernelBench}; no training step).
 */
public final class GpuStepBenchMain {
    private GpuStepBenchMain() {}

    public static void main(String[] args) {
        Map<String, String> opt = new HashMap<>(Map.of("--model", "vim-tiny", "--batch", "128", "--steps", "10",
                "--warmup", "3", "--peak-tflops", "67", "--scan-only", "false"));
        for (int i = 0; i < args.length; i += 2) {
            if (!opt.containsKey(args[i]) || i + 1 >= args.length)
                throw new IllegalArgumentException("unknown option or missing value: " + args[i] + " (known: " + opt.keySet() + ")");
            opt.put(args[i], args[i + 1]);
        }
        String scanOnly = opt.get("--scan-only");
        if (!scanOnly.equals("true") && !scanOnly.equals("false")) throw new IllegalArgumentException("--scan-only must be true or false: " + scanOnly);
        OpsProvider.Selected sel = OpsProvider.select("cuda", System.err::println);
        if (scanOnly.equals("true")) {
            ModelSpec spec = ModelSpec.resolve(opt.get("--model"));
            if (!(spec instanceof ModelSpec.Vim vim)) throw new IllegalArgumentException("--scan-only needs a Vision Mamba model: " + opt.get("--model"));
            System.out.println(sel.cuda().describe());
            GpuStepBench.scanBandwidth(sel.cuda(), vim.config(), Integer.parseInt(opt.get("--batch")), System.out);
            return;
        }
        GpuStepBench.run(sel.cuda(), opt.get("--model"), Integer.parseInt(opt.get("--batch")),
                Integer.parseInt(opt.get("--steps")), Integer.parseInt(opt.get("--warmup")),
                Double.parseDouble(opt.get("--peak-tflops")), System.out);
    }
}

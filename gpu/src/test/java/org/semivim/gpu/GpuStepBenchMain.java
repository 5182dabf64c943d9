package org.semivim.gpu;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code semivim bench gpu-step} without the cli's dependencies, for the device bundle
 * (gpu/bench/device-bundle.sh): {@code --model M --batch B --steps S --warmup W --peak-tflops P}.
 */
public final class GpuStepBenchMain {
    private GpuStepBenchMain() {}

    public static void main(String[] args) {
        Map<String, String> opt = new HashMap<>(Map.of("--model", "vim-tiny", "--batch", "128", "--steps", "10",
                "--warmup", "3", "--peak-tflops", "67"));
        for (int i = 0; i < args.length; i += 2) {
            if (!opt.containsKey(args[i]) || i + 1 >= args.length)
                throw new IllegalArgumentException("unknown option or missing value: " + args[i] + " (known: " + opt.keySet() + ")");
            opt.put(args[i], args[i + 1]);
        }
        OpsProvider.Selected sel = OpsProvider.select("cuda", System.err::println);
        GpuStepBench.run(sel.cuda(), opt.get("--model"), Integer.parseInt(opt.get("--batch")),
                Integer.parseInt(opt.get("--steps")), Integer.parseInt(opt.get("--warmup")),
                Double.parseDouble(opt.get("--peak-tflops")), System.out);
    }
}

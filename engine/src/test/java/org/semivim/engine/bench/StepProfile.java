package org.semivim.engine.bench;

import org.semivim.engine.models.ForwardMode;
import org.semivim.engine.models.ImageClassifier;
import org.semivim.engine.models.VimConfig;
import org.semivim.engine.models.VisionMamba;
import org.semivim.engine.ops.AttentionOps;
import org.semivim.engine.ops.ConvOps;
import org.semivim.engine.ops.ConvSiluOps;
import org.semivim.engine.ops.ElementwiseOps;
import org.semivim.engine.ops.GemmOps;
import org.semivim.engine.ops.LossOps;
import org.semivim.engine.ops.NormOps;
import org.semivim.engine.ops.Ops;
import org.semivim.engine.ops.ScanOps;
import org.semivim.engine.optim.AdamW;
import org.semivim.engine.rng.CounterRng;
import org.semivim.engine.tensor.Tensor;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;

/**
 * A per-op time breakdown of one ViM training step (not a test: run its main by hand, see
 * docs/benchmarks-engine.md). Every op family of {@link Ops#cpu()} is wrapped in a proxy that adds
 * the wall time of each call to a per-method total; the rest of the step (model glue: copies,
 * adds, allocation) is the step time minus the op total. Arguments: preset batch steps.
 */
public final class StepProfile {
    private static final Map<String, long[]> TOTALS = new TreeMap<>(); // method → {nanos, calls}

    private static final boolean DETAIL_GEMM = Boolean.getBoolean("profile.gemm");
    /**
     * With {@code -Dprofile.cpu=true} every time is the calling thread's CPU time instead of wall
     * time: steadier on a loaded machine, and the whole step's cost when run with
     * {@code -Dsemivim.threads=1} (every op then runs on the calling thread).
     */
    private static final boolean CPU_TIME = Boolean.getBoolean("profile.cpu");
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private static long now() {
        return CPU_TIME ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    private StepProfile() {}

    /** "tA tB m×n×k" of a gemm call (C [m,n] = op(A) [m,k] · op(B) [k,n]). */
    private static String gemmShape(Object[] args) {
        boolean ta = (Boolean) args[0], tb = (Boolean) args[1];
        Tensor a = (Tensor) args[3], c = (Tensor) args[6];
        int n = c.dim(c.rank() - 1), m = c.size / n;
        int k = ta ? a.dim(0) : a.size / m;
        if (ta) k = a.size / m;
        return (ta ? "T" : "N") + (tb ? "T" : "N") + " " + m + "x" + n + "x" + k;
    }

    @SuppressWarnings("unchecked")
    private static <T> T timed(Class<T> family, T target) {
        InvocationHandler h = (proxy, method, args) -> {
            long t0 = now();
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                long dt = now() - t0;
                String key = family.getSimpleName() + "." + method.getName();
                if (DETAIL_GEMM && method.getName().equals("gemm")) key += " " + gemmShape(args);
                synchronized (TOTALS) {
                    long[] t = TOTALS.computeIfAbsent(key, k -> new long[2]);
                    t[0] += dt;
                    t[1]++;
                }
            }
        };
        Class<?>[] interfaces = target instanceof ConvSiluOps ? new Class<?>[] {family, ConvSiluOps.class} : new Class<?>[] {family};
        return (T) Proxy.newProxyInstance(family.getClassLoader(), interfaces, h);   // keeps the fused conv + SiLU capability
    }

    public static void main(String[] args) {
        String preset = args.length > 0 ? args[0] : "vim-fmnist-small";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Ops cpu = Ops.cpu();
        Ops ops = new Ops("timed-cpu", timed(GemmOps.class, cpu.gemm()), timed(NormOps.class, cpu.norm()),
                timed(ElementwiseOps.class, cpu.elementwise()), timed(ConvOps.class, cpu.conv()),
                timed(ScanOps.class, cpu.scan()), timed(LossOps.class, cpu.loss()), timed(AttentionOps.class, cpu.attention()));
        VimConfig cfg = VimConfig.preset(preset);
        VisionMamba net = new VisionMamba(cfg, ops);
        net.initialize(0);
        AdamW adam = new AdamW(net.parameters(), 0.05);
        int[] in = net.inputShape();
        Tensor images = Tensor.zeros(batch, in[0], in[1], in[2]);
        CounterRng rng = CounterRng.of(1, "bench-images");
        for (int i = 0; i < images.size; i++) images.data[i] = (float) rng.normal(i);
        Tensor dLogits = Tensor.zeros(batch, net.numClasses());
        for (int i = 0; i < dLogits.size; i++) dLogits.data[i] = (float) rng.normal(1_000_000 + i) / batch;
        for (int s = 0; s < 2; s++) step(net, adam, images, dLogits, s);
        synchronized (TOTALS) {
            TOTALS.clear();
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocated0 = threads.getTotalThreadAllocatedBytes();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long[] stepNs = new long[steps];
        for (int s = 0; s < steps; s++) {
            long t0 = now();
            step(net, adam, images, dLogits, 2 + s);
            stepNs[s] = now() - t0;
        }
        long total = 0;
        for (long t : stepNs) total += t;
        double perStep = total / 1e6 / steps;
        System.out.printf("%s batch %d: mean step %.1f ms over %d steps, %.0f MB allocated per step, process CPU %.1f ms per step%n",
                preset, batch, perStep, steps, (threads.getTotalThreadAllocatedBytes() - allocated0) / 1e6 / steps,
                (os.getProcessCpuTime() - cpu0) / 1e6 / steps);
        long[] sorted = stepNs.clone();
        java.util.Arrays.sort(sorted);
        StringBuilder each = new StringBuilder(String.format("  median %.1f ms, min %.1f ms; steps (ms):", sorted[steps / 2] / 1e6, sorted[0] / 1e6));
        for (long t : stepNs) each.append(String.format(" %.0f", t / 1e6));
        System.out.println(each);
        double ops_ms = 0;
        for (Map.Entry<String, long[]> e : TOTALS.entrySet()) {
            double ms = e.getValue()[0] / 1e6 / steps;
            ops_ms += ms;
            System.out.printf("  %-45s %8.1f ms  %5.1f%%  (%d calls/step)%n", e.getKey(), ms, 100 * ms / perStep,
                    e.getValue()[1] / steps);
        }
        System.out.printf("  %-45s %8.1f ms  %5.1f%%%n", "rest (model glue, AdamW, allocation)", perStep - ops_ms,
                100 * (perStep - ops_ms) / perStep);
    }

    private static void step(ImageClassifier net, AdamW adam, Tensor images, Tensor dLogits, int step) {
        net.parameters().zeroGrads();
        ImageClassifier.Pass pass = net.forward(images, ForwardMode.train(CounterRng.of(7, "drop").derive(step)));
        net.backward(pass, dLogits, null);
        net.release(pass);
        adam.step(1e-4);
    }
}

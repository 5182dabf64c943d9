package org.semivim.data.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.AugmentView;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.GrayImage;
import org.semivim.data.augment.Normalization;
import org.semivim.data.io.FashionMnist;
import org.semivim.data.io.GeneratedDataset;
import org.semivim.data.io.ImageDataset;
import org.semivim.engine.ops.Parallel;

/**
 * Data-side benchmarks (docs/benchmarks.md): IDX load time of the full Fashion-MNIST training
 * set, weak and strong augmentations per second on one core and on all cores, and the time to
 * augment one FixMatch-shaped step (B_l weak labeled + B_u weak + B_u strong unlabeled views,
 * normalised to float). Prints one line per number.
 *
 * <p>Arguments (all optional, key=value): {@code dir=} Fashion-MNIST directory (default: the
 * Debian package; generated data when absent), {@code bl=64}, {@code mu=7}, {@code runs=5}.
 */
public final class DataBench {
    private DataBench() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opt = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("arguments are key=value, got '" + a + "'");
            opt.put(a.substring(0, eq), a.substring(eq + 1));
        }
        Path dir = Path.of(opt.getOrDefault("dir", FashionMnist.defaultDirectory().toString()));
        int bl = Integer.parseInt(opt.getOrDefault("bl", "64"));
        int mu = Integer.parseInt(opt.getOrDefault("mu", "7"));
        int runs = Integer.parseInt(opt.getOrDefault("runs", "5"));
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("machine: %d cores, %s %s, Java %s%n", cores, System.getProperty("os.name"), System.getProperty("os.arch"),
                System.getProperty("java.version"));

        ImageDataset train;
        if (FashionMnist.isPresent(dir)) {
            double[] verify = new double[runs];
            double[] skip = new double[runs];
            ImageDataset loaded = null;
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                loaded = FashionMnist.loadTrain(dir, FashionMnist.Md5Check.VERIFY);
                long t1 = System.nanoTime();
                FashionMnist.loadTrain(dir, FashionMnist.Md5Check.SKIP);
                long t2 = System.nanoTime();
                verify[r] = (t1 - t0) / 1e6;
                skip[r] = (t2 - t1) / 1e6;
            }
            train = loaded;
            System.out.printf("idx load, 60000 training images + labels (gzip), MD5 verified: median %.0f ms, best %.0f ms (runs %s)%n", median(verify), min(verify), fmt(verify));
            System.out.printf("idx load, 60000 training images + labels (gzip), no MD5:       median %.0f ms, best %.0f ms (runs %s)%n", median(skip), min(skip), fmt(skip));
        } else {
            System.out.println("Fashion-MNIST not found in " + dir + ": no IDX load time; augmenting generated images");
            train = GeneratedDataset.create(1, 10, 600, 28);
        }

        FixMatchAugment augment = new FixMatchAugment(1, AugmentConfig.fixMatch(28));
        int n = Math.min(train.count(), 20_000);
        for (AugmentView view : new AugmentView[] {AugmentView.WEAK, AugmentView.STRONG}) {
            for (int w = 0; w < 3; w++) viewsPerSecond(train, augment, view, n, 100 + w);  // warm-up (JIT)
            double[] rates = new double[runs];
            for (int r = 0; r < runs; r++) rates[r] = viewsPerSecond(train, augment, view, n, r + 1);
            System.out.printf("%s views/s, 1 thread (byte image, no normalisation): median %.0f, best %.0f (runs %s)%n", view, median(rates), -min(negate(rates)), fmt(rates));
        }

        BatchAugmenter batches = new BatchAugmenter(train, augment, Normalization.fashionMnist());
        int bu = bl * mu;
        int[] labeled = new int[bl];
        int[] unlabeled = new int[bu];
        for (int threads : cores > 1 ? new int[] {1, cores} : new int[] {1}) {
            Parallel.setThreads(threads);
            double[] stepMs = new double[runs * 4];
            for (int r = -20; r < runs * 4; r++) {  // 20 warm-up steps (JIT)
                long step = r + 1000;
                for (int i = 0; i < bl; i++) labeled[i] = (int) ((step * bl + i) * 7919 % train.count());
                for (int i = 0; i < bu; i++) unlabeled[i] = (int) ((step * bu + i) * 104729 % train.count());
                long t0 = System.nanoTime();
                batches.render(labeled, step, AugmentView.WEAK);
                batches.render(unlabeled, step, AugmentView.WEAK);
                batches.render(unlabeled, step, AugmentView.STRONG);
                if (r >= 0) stepMs[r] = (System.nanoTime() - t0) / 1e6;
            }
            double med = median(stepMs);
            int views = bl + 2 * bu;
            System.out.printf("one step's augmentation (B_l=%d weak + B_u=%d weak + B_u strong = %d views, normalised), %d thread(s): "
                    + "median %.2f ms, best %.2f ms; median %.0f views/s per core%n", bl, bu, views, threads, med, min(stepMs),
                    views / med * 1e3 / threads);
        }
    }

    private static double viewsPerSecond(ImageDataset data, FixMatchAugment augment, AugmentView view, int n, long step) {
        long checksum = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            GrayImage v = augment.view(new GrayImage(28, 28, data.image(i)), step, i, view);
            checksum += v.get(i % 28, (i / 28) % 28);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (checksum == Long.MIN_VALUE) System.out.println("unreachable " + checksum);  // keeps the work observable
        return n / seconds;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double[] negate(double[] v) {
        return Arrays.stream(v).map(x -> -x).toArray();
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) b.append(b.length() == 0 ? "" : ", ").append(String.format("%.0f", x));
        return b.toString();
    }
}

package org.semivim.cli.report;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.cli.Main;
import org.semivim.cli.run.RunDirectory;
import org.semivim.cli.run.RunEvaluation;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The report of a real (tiny) LyapEMA+SSMixup run: every plot a non-empty PNG, the page references each, and it renders in Chromium. */
class ReportTest {
    private static final Pattern IMG = Pattern.compile("<img src=\"([^\"]+)\"");
    private static final List<String> EXPECTED = List.of("losses.png", "pseudo_labels.png", "test_accuracy.png", "lyapema_alpha.png",
            "lyapema_v.png", "lyapema_s.png", "lyapema_lambda.png", "per_class.png", "confusion.png");

    @TempDir
    static Path tmp;
    static Path runDir;

    @BeforeAll
    static void trainATinyRun() throws IOException {
        runDir = tmp.resolve("run");
        Path conf = tmp.resolve("tiny-run.conf");
        try (InputStream in = ReportTest.class.getResourceAsStream("/tiny-run.conf")) {
            Files.write(conf, in.readAllBytes());
        }
        assertEquals(0, Main.run("train", "--config", conf.toString(), "--run-dir", runDir.toString(), "--progress", "none",
                "--eval-limit", "5", "steps=10"));
    }

    @Test
    void everyPlotIsANonEmptyPngAndThePageReferencesEachOne() throws IOException {
        Path report = runDir.resolve("report");
        String html = Files.readString(report.resolve("index.html"));
        List<String> referenced = referencedImages(html);
        assertEquals(EXPECTED, referenced, "a LyapEMA run with an evaluation has every plot");
        assertEquals(new TreeSet<>(referenced), pngsIn(report), "the page references every PNG in report/");
        for (String png : referenced) {
            BufferedImage image = ImageIO.read(report.resolve(png).toFile());
            assertNotNull(image, png + " decodes as an image");
            assertTrue(image.getWidth() >= 400 && image.getHeight() >= 300, png + " size");
            assertTrue(distinctColours(image) > 2, png + " is not blank");
        }
        assertFalse(html.contains("Not plotted"), "nothing skipped in a complete LyapEMA run");
        assertFalse(html.contains("only the final evaluation is shown"), "the periodic evaluations (eval.jsonl) are plotted");
        RunEvaluation eval = RunEvaluation.read(report);
        assertTrue(html.contains(String.format(java.util.Locale.ROOT, "%.4f", eval.student().top1())), "the page shows the final top-1");
    }

    @Test
    void plotsWithoutDataBecomeNotesAndStalePngsGo(@TempDir Path other) throws IOException {
        Path supervised = other.resolve("supervised");
        Path conf = other.resolve("tiny-run.conf");
        Files.copy(tmp.resolve("tiny-run.conf"), conf);
        assertEquals(0, Main.run("train", "--config", conf.toString(), "--run-dir", supervised.toString(), "--progress", "none",
                "--no-report", "--eval-limit", "1", "steps=3", "method=supervised", "mu_ratio=0", "tau=null"));
        Path report = supervised.resolve("report");
        Files.delete(report.resolve(RunEvaluation.FILE));
        Files.delete(supervised.resolve(ReportWriter.EVAL_LOG));
        Files.writeString(report.resolve("old_plot.png"), "stale");
        ReportWriter.write(RunDirectory.open(supervised));
        String html = Files.readString(report.resolve("index.html"));
        assertEquals(List.of("losses.png"), referencedImages(html));
        assertEquals(Set.of("losses.png"), pngsIn(report), "a PNG the page does not show is removed");
        assertTrue(html.contains("Not plotted: no unlabeled data in this run"), html);
        assertTrue(html.contains("Not plotted: not a LyapEMA run"), html);
        assertTrue(html.contains("Not plotted: no evaluation yet"), html);
        assertTrue(html.contains("No evaluation yet"), html);
    }

    /**
     * Headless Chromium (Debian package chromium) loads the page and every image: the page's own
     * check writes how many images loaded; a screenshot is not blank. A missing PNG is caught.
     */
    @Test
    void thePageRendersInHeadlessChromium(@TempDir Path shots) throws Exception {
        String chromium = findChromium();
        assumeTrue(chromium != null, "SKIPPED: chromium is not installed (apt-get install chromium); the render check needs it");
        Path index = runDir.resolve("report/index.html");
        String dom = chromium(chromium, "--dump-dom", index.toUri().toString());
        assertTrue(dom.contains("plots loaded: 9 of 9"), "every image loads: " + status(dom));

        Path shot = shots.resolve("shot.png");
        chromium(chromium, "--screenshot=" + shot, "--window-size=1000,2400", index.toUri().toString());
        BufferedImage image = ImageIO.read(shot.toFile());
        assertNotNull(image, "chromium wrote a screenshot");
        assertTrue(distinctColours(image) > 50, "the screenshot shows the page");

        Path copy = shots.resolve("report");
        Files.createDirectories(copy);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(runDir.resolve("report"))) {
            for (Path f : files) Files.copy(f, copy.resolve(f.getFileName()));
        }
        Files.delete(copy.resolve("confusion.png"));
        String broken = chromium(chromium, "--dump-dom", copy.resolve("index.html").toUri().toString());
        assertTrue(broken.contains("plots loaded: 8 of 9"), "a missing image is seen: " + status(broken));
    }

    private static String chromium(String exe, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(exe, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                "--user-data-dir=" + Files.createTempDirectory(tmp, "chromium")));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "chromium", ".out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
        assertEquals(0, p.exitValue(), "chromium exit code");
        return Files.readString(out);
    }

    private static String findChromium() {
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p.toString();
            }
        }
        return null;
    }

    private static String status(String dom) {
        Matcher m = Pattern.compile("<p id=\"plots-status\"[^>]*>([^<]*)<").matcher(dom);
        return m.find() ? m.group(1) : "(no status line)";
    }

    static List<String> referencedImages(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = IMG.matcher(html);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    static Set<String> pngsIn(Path dir) throws IOException {
        Set<String> out = new TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.png")) {
            for (Path p : s) out.add(p.getFileName().toString());
        }
        return out;
    }

    static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
                if (colours.size() > 1000) return colours.size();
            }
        }
        return colours.size();
    }
}

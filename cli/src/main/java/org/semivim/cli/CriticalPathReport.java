package org.semivim.cli;

import org.semivim.actors.StepCriticalPath;
import org.semivim.actors.StepCriticalPath.Moments;
import org.semivim.actors.StepCriticalPath.Part;
import org.semivim.actors.StepCriticalPath.Segment;
import org.semivim.actors.StepTimeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench's critical-path breakdown of the 2-node steps ({@link StepCriticalPath} on the merged
 * {@link StepTimeline} stamps of both JVMs; comparable because both run on this machine, one monotonic
 * clock): per timed step the path from commit(t − 1) to commit(t), then the means over the timed steps,
 * which add up to the mean step, and the share of the step that messages in flight on the path take.
 */
final class CriticalPathReport {

    /** Means over the timed steps, ms: the step, each part of the path, the messages on it; and the median of the steps' shares. */
    record Breakdown(int steps, double stepMs, Map<String, Double> partMs, Map<String, Part> parts, double communicationMs,
                     double medianSharePercent, Map<String, Double> durationsMs) {
        double sharePercent() {
            return 100 * communicationMs / stepMs;
        }

        /** One line: the step as the sum of its parts, the communication share. */
        String line() {
            StringBuilder b = new StringBuilder(String.format("step %.1f ms =", stepMs));
            String sep = " ";
            for (var e : partMs.entrySet()) {
                b.append(sep).append(String.format("%s %.1f%s", e.getKey(), e.getValue(), parts.get(e.getKey()) == Part.MESSAGE ? " [msg]" : ""));
                sep = " + ";
            }
            b.append(String.format("; communication on the critical path %.1f ms = %.1f%% of a step (median over the steps %.1f%%; target <= 10%%)",
                    communicationMs, sharePercent(), medianSharePercent));
            return b.toString();
        }

        /** How long each thing took, on the path or not. */
        String durations() {
            StringBuilder b = new StringBuilder();
            for (var e : durationsMs.entrySet()) b.append(b.length() == 0 ? "" : ", ").append(String.format("%s %.1f ms", e.getKey(), e.getValue()));
            return b.toString();
        }
    }

    private CriticalPathReport() {}

    /** The breakdown of steps {@code firstTimed} … of {@code events} (both nodes' stamps of one run); null without a complete step. */
    static Breakdown of(List<StepTimeline.Event> events, long firstTimed) {
        Map<Long, Moments> byStep = StepCriticalPath.moments(events);
        List<List<Segment>> paths = new ArrayList<>();
        List<Moments> timed = new ArrayList<>();
        for (var e : byStep.entrySet()) {
            if (e.getKey() < firstTimed) continue;
            paths.add(StepCriticalPath.split(e.getValue()));
            timed.add(e.getValue());
        }
        if (paths.isEmpty()) return null;
        int n = paths.size();
        Map<String, Double> partMs = new LinkedHashMap<>();
        Map<String, Part> parts = new LinkedHashMap<>();
        double[] shares = new double[n];
        double step = 0, comm = 0;
        for (String name : StepCriticalPath.ORDER) {
            double sum = 0;
            boolean seen = false;
            for (List<Segment> path : paths) {
                for (Segment s : path) {
                    if (!s.name().equals(name)) continue;
                    sum += s.nanos();
                    seen = true;
                    parts.put(name, s.part());
                }
            }
            if (seen) partMs.put(name, sum / 1e6 / n);
        }
        for (int i = 0; i < n; i++) {
            long total = timed.get(i).committed() - timed.get(i).start();
            long c = StepCriticalPath.communication(paths.get(i));
            step += total;
            comm += c;
            shares[i] = total == 0 ? 0 : 100.0 * c / total;
        }
        Arrays.sort(shares);
        double median = n % 2 == 1 ? shares[n / 2] : (shares[n / 2 - 1] + shares[n / 2]) / 2;
        Map<String, Double> durations = new LinkedHashMap<>();
        duration(durations, "teacher", timed, m -> m.labelsSent() - m.teacherStart(), m -> m.labelsSent() != StepCriticalPath.NONE && m.teacherStart() != StepCriticalPath.NONE);
        duration(durations, "head start", timed, m -> m.headEnd() - m.headBegin(), m -> m.headBegin() != StepCriticalPath.NONE && m.headEnd() != StepCriticalPath.NONE);
        duration(durations, "trainer after the labels", timed, m -> m.gradientSent() - Math.max(m.labelsIn(), Math.max(m.paramsIn(), m.inputsIn())),
                m -> m.gradientSent() != StepCriticalPath.NONE && m.labelsIn() != StepCriticalPath.NONE);
        duration(durations, "θS commit -> trainer", timed, m -> m.paramsIn() - m.start(), m -> m.paramsIn() != StepCriticalPath.NONE);
        duration(durations, "labels sent -> handled", timed, m -> m.labelsIn() - m.labelsSent(), m -> m.labelsIn() != StepCriticalPath.NONE && m.labelsSent() != StepCriticalPath.NONE);
        duration(durations, "gradient sent -> in", timed, m -> m.gradientIn() - m.gradientSent(), m -> m.gradientIn() != StepCriticalPath.NONE && m.gradientSent() != StepCriticalPath.NONE);
        duration(durations, "commit", timed, m -> m.committed() - m.gradientIn(), m -> m.gradientIn() != StepCriticalPath.NONE);
        return new Breakdown(n, step / 1e6 / n, partMs, parts, comm / 1e6 / n, median, durations);
    }

    private static void duration(Map<String, Double> out, String name, List<Moments> steps, java.util.function.ToLongFunction<Moments> length,
                                 java.util.function.Predicate<Moments> has) {
        double sum = 0;
        int n = 0;
        for (Moments m : steps) {
            if (!has.test(m)) continue;
            sum += length.applyAsLong(m);
            n++;
        }
        if (n > 0) out.put(name, sum / 1e6 / n);
    }

    /** The stamps of {@code events} in [from, to] (one run's, out of a trainer JVM that outlived several runs). */
    static List<StepTimeline.Event> within(List<StepTimeline.Event> events, long from, long to) {
        List<StepTimeline.Event> out = new ArrayList<>();
        for (StepTimeline.Event e : events) if (e.nanos() >= from && e.nanos() <= to) out.add(e);
        return out;
    }
}

package org.semivim.actors;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure: the critical path of one step of a cluster run, from its {@link StepTimeline} stamps. A step lasts
 * from the commit of step t − 1 (θS of version t sent) to the commit of step t; walking back from the
 * commit, each moment was set by its latest-arriving dependency, and the walk splits the step into
 * contiguous segments — compute, a message in flight, or a local hand-off — whose lengths add up to the
 * step. The dependencies:
 * <ul>
 * <li>commit(t) ← the last gradient in at the supervisor (compute: the update) ← its sending by the trainer
 * (message: gradient → supervisor) ← the trainer's work start (compute: the labelled part of the shards);</li>
 * <li>the work starts when the last of labels, θS and inputs is handled at the trainer. Labels last: either
 * the trainer was still busy with its head start when they were sent (the head start ended later than
 * the labels were sent: a local hand-off, then the head start's compute, which began when the later of θS
 * and inputs arrived) or the labels themselves were late (message: labels → trainer ← the teacher's
 * compute ← commit(t − 1) → teacher start, a local hand-off). θS last: θS → trainer, sent at commit(t − 1).
 * Inputs last: inputs → trainer, sent with the labels after the teacher or ahead of the step.</li>
 * </ul>
 * A message counts as in flight on the path only when it arrived after the receiver was free: one that
 * landed while the receiver still computed overlapped that compute. One trainer node (the bench's
 * layout): with several, the stamps of a kind would mix trainers.
 */
public final class StepCriticalPath {

    /** What a segment of the path is. */
    public enum Part { COMPUTE, MESSAGE, LOCAL }

    /** A segment of the path, {@code nanos} long. */
    public record Segment(String name, Part part, long nanos) {}

    public static final String COMMIT = "commit", GRADIENT = "gradient -> supervisor", TRAINER = "trainer after the labels",
            LABELS = "labels -> trainer", TEACHER = "teacher", TO_TEACHER = "commit -> teacher start", MAILBOX = "trainer's mailbox",
            HEAD_START = "head start (L_x)", TO_HEAD_START = "arrival -> head start", PARAMS = "θS -> trainer", INPUTS = "inputs -> trainer",
            BEFORE_INPUTS = "before the inputs were sent", UNKNOWN = "unattributed (stamps missing)";

    /** The names in the order a report lists them. */
    public static final List<String> ORDER = List.of(COMMIT, GRADIENT, TRAINER, MAILBOX, HEAD_START, TO_HEAD_START, LABELS, TEACHER,
            TO_TEACHER, PARAMS, INPUTS, BEFORE_INPUTS, UNKNOWN);

    /** No stamp. */
    public static final long NONE = Long.MIN_VALUE;

    /**
     * The stamps of step t (nanoseconds, {@link #NONE} where absent): {@code start} = commit(t − 1),
     * {@code committed} = commit(t); the others as in {@link StepTimeline.Kind}, of step t.
     */
    public record Moments(long start, long committed, long gradientIn, long gradientSent, long labelsIn, long labelsSent,
                          long teacherStart, long headBegin, long headEnd, long paramsIn, long inputsIn, long inputsSent) {}

    private StepCriticalPath() {}

    /**
     * Each step's moments from the merged stamps of every JVM: the last stamp of a kind and step counts,
     * except inputs (the first: a trainer keeps the first copy); θS of version t counts for step t.
     */
    public static Map<Long, Moments> moments(List<StepTimeline.Event> events) {
        Map<StepTimeline.Kind, Map<Long, Long>> at = new EnumMap<>(StepTimeline.Kind.class);
        for (StepTimeline.Kind k : StepTimeline.Kind.values()) at.put(k, new HashMap<>());
        for (StepTimeline.Event e : events) {
            Map<Long, Long> m = at.get(e.kind());
            if (e.kind() == StepTimeline.Kind.INPUTS_IN || e.kind() == StepTimeline.Kind.INPUTS_SENT) m.merge(e.step(), e.nanos(), Math::min);
            else m.merge(e.step(), e.nanos(), Math::max);
        }
        Map<Long, Moments> out = new HashMap<>();
        Map<Long, Long> committed = at.get(StepTimeline.Kind.COMMITTED);
        for (var c : committed.entrySet()) {
            long t = c.getKey();
            Long start = committed.get(t - 1);
            if (start == null) continue;
            out.put(t, new Moments(start, c.getValue(), get(at, StepTimeline.Kind.GRADIENT_IN, t), get(at, StepTimeline.Kind.GRADIENT_SENT, t),
                    get(at, StepTimeline.Kind.LABELS_IN, t), get(at, StepTimeline.Kind.LABELS_SENT, t), get(at, StepTimeline.Kind.TEACHER_START, t),
                    get(at, StepTimeline.Kind.HEAD_START_BEGIN, t), get(at, StepTimeline.Kind.HEAD_START_END, t),
                    get(at, StepTimeline.Kind.PARAMS_IN, t), get(at, StepTimeline.Kind.INPUTS_IN, t), get(at, StepTimeline.Kind.INPUTS_SENT, t)));
        }
        return out;
    }

    private static long get(Map<StepTimeline.Kind, Map<Long, Long>> at, StepTimeline.Kind kind, long step) {
        return at.get(kind).getOrDefault(step, NONE);
    }

    /** The step's critical path, from its commit back to its start; the segments' lengths add up to committed − start. */
    public static List<Segment> split(Moments m) {
        if (m.committed() < m.start()) throw new IllegalArgumentException("a step committed (" + m.committed() + ") before it started (" + m.start() + ")");
        Walk w = new Walk(m.start(), m.committed());
        if (w.back(COMMIT, Part.COMPUTE, m.gradientIn()) || w.back(GRADIENT, Part.MESSAGE, m.gradientSent())) return w.path;
        long work = Math.max(m.labelsIn(), Math.max(m.paramsIn(), m.inputsIn()));
        if (w.back(TRAINER, Part.COMPUTE, work)) return w.path;
        if (work == m.labelsIn()) {
            if (m.headEnd() != NONE && m.headEnd() >= m.labelsSent()) {
                if (w.back(MAILBOX, Part.LOCAL, m.headEnd()) || w.back(HEAD_START, Part.COMPUTE, m.headBegin())) return w.path;
                long arrived = Math.max(m.paramsIn(), m.inputsIn());
                if (w.back(TO_HEAD_START, Part.LOCAL, arrived)) return w.path;
                return arrived == m.paramsIn() ? params(w) : inputs(w, m);
            }
            if (w.back(LABELS, Part.MESSAGE, m.labelsSent()) || w.back(TEACHER, Part.COMPUTE, m.teacherStart())) return w.path;
            w.back(TO_TEACHER, Part.LOCAL, m.start());
            return w.path;
        }
        return work == m.paramsIn() ? params(w) : inputs(w, m);
    }

    /** θS last: in flight since commit(t − 1), the step's start. */
    private static List<Segment> params(Walk w) {
        w.back(PARAMS, Part.MESSAGE, w.start);
        return w.path;
    }

    /** Inputs last: in flight since sent; sent after the teacher (with the labels) or ahead of the step. */
    private static List<Segment> inputs(Walk w, Moments m) {
        if (w.back(INPUTS, Part.MESSAGE, m.inputsSent())) return w.path;
        if (m.teacherStart() != NONE && m.teacherStart() <= m.inputsSent()) {
            if (w.back(TEACHER, Part.COMPUTE, m.teacherStart())) return w.path;
            w.back(TO_TEACHER, Part.LOCAL, m.start());
            return w.path;
        }
        w.back(BEFORE_INPUTS, Part.LOCAL, m.start());
        return w.path;
    }

    /** The walk back: the path so far, from {@code at} to the commit. */
    private static final class Walk {
        final long start;
        long at;
        final List<Segment> path = new ArrayList<>();

        Walk(long start, long committed) {
            this.start = start;
            this.at = committed;
        }

        /**
         * The segment from {@code from} (clipped to the step's start and to the walk's moment) to the walk's
         * moment; a missing stamp ends the walk with an unattributed segment. True when the walk reached the start.
         */
        boolean back(String name, Part part, long from) {
            if (from == NONE) {
                add(UNKNOWN, Part.LOCAL, at - start);
                at = start;
                return true;
            }
            long f = Math.min(at, Math.max(start, from));
            add(name, part, at - f);
            at = f;
            return at == start;
        }

        private void add(String name, Part part, long nanos) {
            if (nanos > 0 || path.isEmpty()) path.add(new Segment(name, part, nanos));
        }
    }

    /** Nanoseconds of messages in flight on {@code path}. */
    public static long communication(List<Segment> path) {
        long n = 0;
        for (Segment s : path) if (s.part() == Part.MESSAGE) n += s.nanos();
        return n;
    }
}

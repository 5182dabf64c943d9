package org.semivim.actors;

import org.junit.jupiter.api.Test;
import org.semivim.actors.StepCriticalPath.Moments;
import org.semivim.actors.StepCriticalPath.Part;
import org.semivim.actors.StepCriticalPath.Segment;
import org.semivim.actors.StepTimeline.Event;
import org.semivim.actors.StepTimeline.Kind;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.semivim.actors.StepCriticalPath.NONE;

/** The critical-path split of a step on synthetic stamps (times in ms for reading; the split works in any unit). */
class StepCriticalPathTest {

    private static String names(List<Segment> path) {
        StringBuilder b = new StringBuilder();
        for (Segment s : path) b.append(s.name()).append('=').append(s.nanos()).append(s.part() == Part.MESSAGE ? "[msg]" : "").append(' ');
        return b.toString().trim();
    }

    private static long total(List<Segment> path) {
        return path.stream().mapToLong(Segment::nanos).sum();
    }

    //                                       start committed gIn gSent lIn lSent tStart hBegin hEnd pIn iIn iSent
    @Test
    void lateLabelsPutTheTeacherAndTheLabelsMessageOnThePath() {
        Moments m = new Moments(0, 60, 58, 55, 32, 30, 2, 8, 20, 7, 5, -10);
        List<Segment> path = StepCriticalPath.split(m);
        assertEquals("commit=2 gradient -> supervisor=3[msg] trainer after the labels=23 labels -> trainer=2[msg] teacher=28 commit -> teacher start=2",
                names(path));
        assertEquals(60, total(path));
        assertEquals(5, StepCriticalPath.communication(path));
    }

    @Test
    void aLateHeadStartPutsTheTrainerOnThePathAndTheLabelsOff() {
        // labels sent at 25 while the head start runs until 40: they overlap the trainer's compute
        Moments m = new Moments(0, 80, 78, 75, 41, 25, 1, 9, 40, 9, 4, -5);
        List<Segment> path = StepCriticalPath.split(m);
        assertEquals("commit=2 gradient -> supervisor=3[msg] trainer after the labels=34 trainer's mailbox=1 head start (L_x)=31 θS -> trainer=9[msg]",
                names(path));
        assertEquals(80, total(path));
        assertEquals(12, StepCriticalPath.communication(path));
    }

    @Test
    void lateParamsWithLabelsAlreadyThereStartTheWorkAtTheirArrival() {
        // no head start: the labels and inputs came first, θS (version t) last
        Moments m = new Moments(100, 170, 168, 165, 120, 118, 102, NONE, NONE, 130, 110, 90);
        List<Segment> path = StepCriticalPath.split(m);
        assertEquals("commit=2 gradient -> supervisor=3[msg] trainer after the labels=35 θS -> trainer=30[msg]", names(path));
        assertEquals(70, total(path));
        assertEquals(33, StepCriticalPath.communication(path));
    }

    @Test
    void lateInputsSentWithTheLabelsLeadBackThroughTheTeacher() {
        Moments m = new Moments(0, 50, 49, 47, 33, 30, 3, NONE, NONE, 4, 34, 29);
        List<Segment> path = StepCriticalPath.split(m);
        assertEquals("commit=1 gradient -> supervisor=2[msg] trainer after the labels=13 inputs -> trainer=5[msg] teacher=26 commit -> teacher start=3",
                names(path));
        assertEquals(50, total(path));
    }

    @Test
    void aGradientOnlyStepClipsAtTheStart() {
        // the trainer finished before the step began (its stamps all earlier): only the gradient's flight is in the step
        Moments m = new Moments(100, 110, 108, 90, 50, 40, 10, NONE, NONE, 45, 30, 20);
        List<Segment> path = StepCriticalPath.split(m);
        assertEquals("commit=2 gradient -> supervisor=8[msg]", names(path));
        assertEquals(10, total(path));
        assertEquals(8, StepCriticalPath.communication(path));
    }

    @Test
    void missingStampsEndThePathUnattributedAndStillAddUp() {
        Moments m = new Moments(0, 40, 39, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE);
        List<Segment> path = StepCriticalPath.split(m);
        assertEquals("commit=1 unattributed (stamps missing)=39", names(path));
        assertEquals(40, total(path));
        assertThrows(IllegalArgumentException.class, () -> StepCriticalPath.split(new Moments(10, 5, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE)));
    }

    @Test
    void momentsMergeTheStampsOfBothNodesByStep() {
        List<Event> e = new ArrayList<>();
        e.add(new Event(Kind.COMMITTED, 4, 0));
        e.add(new Event(Kind.TEACHER_START, 5, 2));
        e.add(new Event(Kind.INPUTS_SENT, 5, -10));
        e.add(new Event(Kind.INPUTS_SENT, 5, 3));    // a resend: the first counts
        e.add(new Event(Kind.LABELS_SENT, 5, 30));
        e.add(new Event(Kind.PARAMS_IN, 5, 7));
        e.add(new Event(Kind.INPUTS_IN, 5, 5));
        e.add(new Event(Kind.HEAD_START_BEGIN, 5, 8));
        e.add(new Event(Kind.HEAD_START_END, 5, 20));
        e.add(new Event(Kind.LABELS_IN, 5, 32));
        e.add(new Event(Kind.GRADIENT_SENT, 5, 54));
        e.add(new Event(Kind.GRADIENT_SENT, 5, 55));  // per-shard gradients: the last counts
        e.add(new Event(Kind.GRADIENT_IN, 5, 58));
        e.add(new Event(Kind.COMMITTED, 5, 60));
        Map<Long, Moments> by = StepCriticalPath.moments(e);
        assertEquals(1, by.size(), "step 4 has no start (no commit of step 3)");
        assertEquals(new Moments(0, 60, 58, 55, 32, 30, 2, 8, 20, 7, 5, -10), by.get(5L));
    }

    @Test
    void theTimelineIsOffByDefaultRecordsWhenStartedAndRoundTripsThroughAFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertFalse(StepTimeline.on(), "off unless the bench switches it on");
        StepTimeline.mark(Kind.COMMITTED, 1);
        StepTimeline.start();
        StepTimeline.mark(Kind.COMMITTED, 2);
        StepTimeline.mark(Kind.LABELS_IN, 3);
        List<Event> events = StepTimeline.stop();
        StepTimeline.mark(Kind.COMMITTED, 4);
        assertEquals(2, events.size());
        assertEquals(Kind.COMMITTED, events.get(0).kind());
        assertEquals(2, events.get(0).step());
        assertTrue(events.get(1).nanos() >= events.get(0).nanos());
        Path f = dir.resolve("t.tsv");
        StepTimeline.write(f, events);
        assertEquals(events, StepTimeline.read(f));
        Files.writeString(f, "LABELS_IN\t3\n");
        var e = assertThrows(java.io.IOException.class, () -> StepTimeline.read(f));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }
}

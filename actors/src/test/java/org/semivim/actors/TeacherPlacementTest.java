package org.semivim.actors;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TeacherPlacementTest {

    private static final String A = "pekko://semivim@127.0.0.1:25521/user/teacher-host";
    private static final String B = "pekko://semivim@127.0.0.1:25522/user/teacher-host";
    private static final String HERE = "pekko://semivim/user/teacher-host";

    private static TeacherPlacement.Candidate remote(String id) {
        return new TeacherPlacement.Candidate(id, false);
    }

    @Test
    void noTeacherNodeKeepsTeacherInferenceOnTheRunsNode() {
        assertEquals(Optional.empty(), TeacherPlacement.choose(List.of(), Set.of()));
        assertEquals(Optional.empty(), TeacherPlacement.choose(List.of(new TeacherPlacement.Candidate(HERE, true)), Set.of()),
                "a teacher host on the run's own node is not a teacher node");
    }

    @Test
    void theSmallestIdAmongTheTeacherNodesIsChosenWhateverTheOrder() {
        List<TeacherPlacement.Candidate> hosts = new ArrayList<>(List.of(remote(B), new TeacherPlacement.Candidate(HERE, true), remote(A)));
        Random random = new Random(5);
        for (int i = 0; i < 10; i++) {
            Collections.shuffle(hosts, random);
            assertEquals(Optional.of(A), TeacherPlacement.choose(hosts, Set.of()), "order " + hosts);
        }
    }

    @Test
    void aHostWhoseTeacherInferenceDiedIsSkippedAndWithNoOtherTheRunKeepsIt() {
        assertEquals(Optional.of(B), TeacherPlacement.choose(List.of(remote(A), remote(B)), Set.of(A)));
        assertEquals(Optional.empty(), TeacherPlacement.choose(List.of(remote(A)), Set.of(A)));
        assertEquals(Optional.of(A), TeacherPlacement.choose(List.of(remote(A)), Set.of(B)), "an exclusion of a host not present changes nothing");
    }
}

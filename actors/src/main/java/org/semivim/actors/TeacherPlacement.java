package org.semivim.actors;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where the run's TeacherInference goes (pure): on a teacher node when one is present, else on the
 * run's own node. A host on the run's node is not a teacher node (running there through a link would
 * only add a hop), and a host whose TeacherInference died is left out until the Receptionist drops it
 * (its node is gone; asking it again would wait for an answer that never comes). Among the others the
 * host with the smallest id (actor path with address) is chosen, so the choice depends only on the set.
 */
public final class TeacherPlacement {

    /** A teacher host: its id and whether it lives on the run's node. */
    public record Candidate(String id, boolean onRunNode) {}

    private TeacherPlacement() {}

    /** The id of the host to ask, or empty: TeacherInference stays (or goes back) on the run's node. */
    public static Optional<String> choose(List<Candidate> hosts, Set<String> excluded) {
        return hosts.stream().filter(h -> !h.onRunNode() && !excluded.contains(h.id())).map(Candidate::id).sorted().findFirst();
    }
}

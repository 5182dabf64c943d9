package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The run's stand-in for TeacherInference on the run's node: every actor of the run (supervisor,
 * DataLoader, augmenters, views links) addresses TeacherInference through this ref, and the relay
 * tells each message to where TeacherInference is now: the local one, or the chunked link to a teacher
 * node. {@link Route} (from the {@link ClusterRunGuardian} only) moves it; what was in flight to the
 * previous place is recovered by the run (the supervisor resends the parameters with reset, the
 * DataLoader hands the steps out again).
 */
public final class TeacherRelay {

    /** From now on, tell everything to {@code target} (local: never crosses nodes). */
    public record Route(ActorRef<TeacherInference.Command> target) {}

    private TeacherRelay() {}

    /** A relay to {@code target} (null: to the first {@link Route}); a message of another type than the two is dropped as unhandled. */
    public static Behavior<Object> create(ActorRef<TeacherInference.Command> target) {
        return Behaviors.setup(ctx -> {
            @SuppressWarnings("unchecked")
            ActorRef<TeacherInference.Command>[] to = new ActorRef[]{target};
            return Behaviors.receive(Object.class)
                    .onMessage(Route.class, m -> {
                        to[0] = m.target();
                        return Behaviors.same();
                    })
                    .onMessage(TeacherInference.Command.class, m -> {
                        if (to[0] == null) ctx.getLog().error("teacher relay: {} before any route; dropped", m.getClass().getSimpleName());
                        else to[0].tell(m);
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}

package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.semivim.actors.serialization.WireMessage;

/**
 * What a TeacherInference on a teacher node sends to the supervisor and the trainers: each message
 * wrapped in a {@link Forward} naming its destination, told to one chunked link to the run's node,
 * whose receiving end delivers to the {@link #forwarder} there. The forwarder tells the message to its
 * destination on that node: the supervisor, or a trainer's link (which chunks it on to the trainer).
 */
public final class TeacherOutbox {

    /** {@code message} for {@code to}, an actor on the run's node. */
    public record Forward(ActorRef<?> to, Object message) implements WireMessage {
        public Forward {
            if (to == null || message == null) throw new IllegalArgumentException("a forward needs a destination and a message");
        }
    }

    private TeacherOutbox() {}

    /**
     * Delivers each {@link Forward} to its destination; one naming an actor on another node is refused
     * (logged and dropped): the outbox only reaches actors of the run's node.
     */
    public static Behavior<Forward> forwarder() {
        return Behaviors.receive((ctx, m) -> {
            if (!m.to().path().address().hasLocalScope()) {
                ctx.getLog().error("teacher outbox: {} for {} on another node refused and dropped", m.message().getClass().getSimpleName(), m.to().path());
                return Behaviors.same();
            }
            @SuppressWarnings("unchecked")
            ActorRef<Object> to = (ActorRef<Object>) m.to();
            to.tell(m.message());
            return Behaviors.same();
        });
    }
}

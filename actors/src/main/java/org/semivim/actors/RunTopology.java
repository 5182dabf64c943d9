package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.List;

/**
 * The actors of one run, for the actors whose peers form a cycle (TeacherInference ↔ trainers ↔
 * LyapunovSupervisor; DataLoader ↔ augmenters after a restart). The RunGuardian spawns every actor, then {@link #fill}s this once and only
 * then sends the supervisor its {@code Begin}; every message an actor handles is causally after
 * that, and so is any restart, so an actor may read {@link #get} while handling a message or in the
 * setup of a restart ({@link #ready}). In-JVM wiring, handed to the factories, never sent.
 */
public final class RunTopology {

    /** The refs; {@code trainerShards.get(w)} are the shard indices trainer w owns. */
    public record Peers(ActorRef<DataLoader.Command> loader, List<ActorRef<Augmenter.Command>> augmenters,
                        ActorRef<TeacherInference.Command> teacher, List<ActorRef<StudentTrainer.Command>> trainers,
                        List<int[]> trainerShards, ActorRef<LyapunovSupervisor.Command> supervisor) {
        public Peers {
            augmenters = List.copyOf(augmenters);
            trainers = List.copyOf(trainers);
            trainerShards = List.copyOf(trainerShards);
        }
    }

    private volatile Peers peers;

    void fill(Peers p) {
        if (peers != null) throw new IllegalStateException("run topology filled twice");
        peers = p;
    }

    /** The guardian's update after it replaced a pool member (the refs other actors hold stay valid). */
    void replace(Peers p) {
        if (peers == null) throw new IllegalStateException("run topology replaced before it was filled");
        peers = p;
    }

    public boolean ready() {
        return peers != null;
    }

    public Peers get() {
        Peers p = peers;
        if (p == null) throw new IllegalStateException("run topology read before the guardian filled it");
        return p;
    }
}

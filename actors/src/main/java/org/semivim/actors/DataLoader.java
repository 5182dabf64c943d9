package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.data.sampling.BatchAssembler;
import org.semivim.data.sampling.BatchPlan;

import org.semivim.data.sampling.StepBatch;
import org.semivim.training.config.Method;
import org.semivim.training.ssmae.SsmaeBatches;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.OptionalLong;

/**
 * Phase (1): which samples make step t ({@link BatchAssembler#batch}, for SSMAE {@link SsmaeBatches#batch}:
 * a function of (seed, t) alone).
 * Work pulling: an Augmenter asks for work ({@link RequestWork}) and gets a {@link Augmenter.Render}
 * when the {@link WorkWindow} allows one; otherwise its request waits here. The window slides on
 * {@link Committed} from the supervisor and starts over on {@link RestartFrom} from TeacherInference.
 * After a restart it asks TeacherInference where the run is and the augmenters to ask again.
 */
public final class DataLoader extends AbstractBehavior<DataLoader.Command> {

    public sealed interface Command extends WireMessage permits RequestWork, Requeue, Committed, RestartFrom, WorkerGone {}

    /** An augmenter is idle and wants the next step to render. */
    public record RequestWork(ActorRef<Augmenter.Command> worker) implements Command {}

    /** An augmenter failed while rendering {@code step}: hand that step out again. */
    public record Requeue(long step) implements Command {}

    /** The supervisor has committed {@code steps} steps. */
    public record Committed(long steps) implements Command {}

    /** TeacherInference holds nothing from {@code step} on (start, restart, or a run going back to a checkpoint). */
    public record RestartFrom(long step) implements Command {}

    /**
     * A pool member is gone (cluster runtime: its data node left or was downed, it stopped, or it
     * retired): it gets no more work (also not for a request of its that arrives after this, overtaken
     * by the death watch's notice), and what it held or had in flight is rendered again: TeacherInference
     * is asked where the run is ({@link TeacherInference.LoaderRestarted}) and answers {@link RestartFrom}.
     */
    public record WorkerGone(ActorRef<Augmenter.Command> worker) implements Command {}

    public static Behavior<Command> create(RunContext run) {
        Incarnations incarnations = new Incarnations();
        return Behaviors.setup(ctx -> new DataLoader(ctx, run, incarnations.restarted()));
    }

    private final LongFunction<StepBatch> batches;   // BatchAssembler::batch, or SsmaeBatches::batch for SSMAE
    private final WorkWindow window;
    private final ArrayDeque<ActorRef<Augmenter.Command>> idle = new ArrayDeque<>();
    private final Set<ActorRef<Augmenter.Command>> gone = new HashSet<>();   // workers reported gone: a late request of theirs gets nothing
    private final FlowGauges gauges;
    private final RunHooks hooks;
    private final RunTopology topology;

    private DataLoader(ActorContext<Command> ctx, RunContext run, boolean restarted) {
        super(ctx);
        var c = run.config();
        this.batches = c.method() == Method.SSMAE ? new SsmaeBatches(c, run.data())::batch
                : BatchAssembler.forSplit(new BatchPlan(c.labeledBatch(), c.muRatio(), c.shards()), run.data().split(), c.seed())::batch;
        this.window = new WorkWindow(run.options().lookahead(), c.steps());
        this.gauges = run.options().gauges();
        this.hooks = run.options().hooks();
        this.topology = run.topology();
        if (restarted) {   // a restart: the window and the waiting requests are gone
            RunTopology.Peers peers = run.topology().get();
            peers.teacher().tell(new TeacherInference.LoaderRestarted());
            for (ActorRef<Augmenter.Command> a : peers.augmenters()) a.tell(new Augmenter.AskForWork());
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(RequestWork.class, m -> {
                    if (gone.contains(m.worker())) return this;   // sent before it stopped, overtaken by its WorkerGone (a death watch)
                    if (!idle.contains(m.worker())) idle.add(m.worker());
                    return dispatch();
                })
                .onMessage(Requeue.class, m -> {
                    window.requeue(m.step());
                    return dispatch();
                })
                .onMessage(Committed.class, m -> {
                    window.committed(m.steps());
                    return dispatch();
                })
                .onMessage(RestartFrom.class, m -> {
                    window.restartFrom(m.step());
                    return dispatch();
                })
                .onMessage(WorkerGone.class, m -> {
                    idle.remove(m.worker());
                    gone.add(m.worker());
                    topology.get().teacher().tell(new TeacherInference.LoaderRestarted());
                    return this;
                })
                .build();
    }

    private Behavior<Command> dispatch() {
        while (!idle.isEmpty()) {
            OptionalLong step = window.take();
            if (step.isEmpty()) break;
            hooks.beforeBatch(step.getAsLong());
            idle.poll().tell(new Augmenter.Render(batches.apply(step.getAsLong())));
        }
        gauges.outstandingSteps(window.outstanding());
        return this;
    }
}

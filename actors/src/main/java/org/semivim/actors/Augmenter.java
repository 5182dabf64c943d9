package org.semivim.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.semivim.actors.serialization.WireMessage;
import org.semivim.data.augment.AugmentConfig;
import org.semivim.data.augment.BatchAugmenter;
import org.semivim.data.augment.FixMatchAugment;
import org.semivim.data.augment.Normalization;
import org.semivim.data.sampling.StepBatch;
import org.semivim.training.step.StepViews;

/**
 * Phase (2), one of a pool: renders the weak/strong views of a step ({@link StepViews#render}; each
 * view a function of (seed, t, sample, view), so which augmenter renders a step changes nothing).
 * It asks the DataLoader for work when it starts, after each step and when a restarted DataLoader
 * asks ({@link AskForWork}); a step it fails on (or was rendering when stopped) goes back to the
 * DataLoader ({@link DataLoader.Requeue}) before the restart.
 */
public final class Augmenter extends AbstractBehavior<Augmenter.Command> {

    public sealed interface Command extends WireMessage permits Render, AskForWork {}

    /** Render the views of {@code batch}. */
    public record Render(StepBatch batch) implements Command {}

    /** The DataLoader restarted and lost the waiting requests: ask again (an augmenter handling this is idle). */
    public record AskForWork() implements Command {}

    public static Behavior<Command> create(RunContext run, ActorRef<DataLoader.Command> loader) {
        return Behaviors.setup(ctx -> new Augmenter(ctx, run, loader));
    }

    private final RunContext run;
    private final ActorRef<DataLoader.Command> loader;
    private final BatchAugmenter augmenter;
    private long rendering = -1;   // the step in hand, -1 when idle

    private Augmenter(ActorContext<Command> ctx, RunContext run, ActorRef<DataLoader.Command> loader) {
        super(ctx);
        this.run = run;
        this.loader = loader;
        var c = run.config();
        var train = run.data().train();
        this.augmenter = new BatchAugmenter(train, new FixMatchAugment(c.seed(), AugmentConfig.fixMatch(train.height())), Normalization.fashionMnist());
        loader.tell(new DataLoader.RequestWork(ctx.getSelf()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Render.class, this::render)
                .onMessage(AskForWork.class, m -> {
                    loader.tell(new DataLoader.RequestWork(getContext().getSelf()));
                    return this;
                })
                .onSignal(PreRestart.class, s -> giveBack())
                .onSignal(PostStop.class, s -> giveBack())
                .build();
    }

    private Behavior<Command> render(Render m) {
        long t = m.batch().step();
        rendering = t;
        try {
            run.options().hooks().beforeRender(t);
        } catch (RunHooks.StopActor stop) {
            getContext().getLog().info("augmenter stops before step {}: {}", t, stop.getMessage());
            return Behaviors.stopped();   // PostStop gives the step back; the guardian spawns a replacement
        }
        long t0 = System.nanoTime();
        StepViews views = StepViews.render(augmenter, run.data().train(), m.batch(), run.config().method().usesUnlabeled());
        run.options().gauges().worked(FlowGauges.Work.RENDER, System.nanoTime() - t0);
        run.options().gauges().viewsSent();
        run.topology().get().teacher().tell(new TeacherInference.ViewsReady(views));
        rendering = -1;
        loader.tell(new DataLoader.RequestWork(getContext().getSelf()));
        return this;
    }

    private Behavior<Command> giveBack() {
        if (rendering >= 0) loader.tell(new DataLoader.Requeue(rendering));
        rendering = -1;
        return this;
    }
}

package org.semivim.actors.transfer;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.semivim.actors.serialization.WireMessage;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The sending end of a chunked link (lives on the sender's node; its ref stands in locally for the
 * remote actor, e.g. the run's supervisor sends θS to it as if to the trainer). Every message told to
 * it that is not one of its own {@link Command}s is a payload: serialized with the message's bound
 * serializer (Kryo), cut into {@link TransferSettings#chunkBytes} chunks and sent to the
 * {@link ChunkReceiver} on the other node, at most {@link TransferSettings#window} unacknowledged
 * ({@link SendWindow}: go-back-N on a complaint or after {@link TransferSettings#resendAfter} without
 * progress). Payloads go one transfer at a time, in the order told; those told before the receiver is
 * known ({@link Connect}) wait. A payload that does not serialize is logged and dropped.
 */
public final class ChunkSender {

    public sealed interface Command extends WireMessage permits Connect, ChunkAck, Resend {}

    /** The receiver to send to (local: from whoever set up the link). */
    public record Connect(ActorRef<ChunkReceiver.Command> receiver) implements Command {}

    /** From the receiver: every chunk of {@code transfer} before {@code next} has arrived. */
    public record ChunkAck(long stream, long transfer, int next) implements Command {}

    /** Timer: no progress on {@code transfer} since its ack count was {@code acked}. */
    private record Resend(long transfer, int acked) implements Command {}

    private ChunkSender() {}

    /** A sender whose receiver comes later in a {@link Connect}. */
    public static Behavior<Object> create(TransferSettings settings) {
        return create(settings, null);
    }

    /** A sender to {@code receiver} (may be null: see {@link #create(TransferSettings)}). */
    public static Behavior<Object> create(TransferSettings settings, ActorRef<ChunkReceiver.Command> receiver) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Link(ctx, timers, settings, receiver).behavior()));
    }

    /** One payload being sent. */
    private record Transfer(long id, String label, int serializerId, String manifest, byte[] bytes, int count, SendWindow window) {}

    private static final class Link {
        private final ActorContext<Object> ctx;
        private final TimerScheduler<Object> timers;
        private final TransferSettings settings;
        private final Serialization serialization;
        private final long stream = System.nanoTime();   // this incarnation's stream id (an identifier, no numerics)
        private final ArrayDeque<Object> queue = new ArrayDeque<>();
        private final ActorRef<Command> self;
        private ActorRef<ChunkReceiver.Command> receiver;
        private Transfer current;
        private long nextId;

        Link(ActorContext<Object> ctx, TimerScheduler<Object> timers, TransferSettings settings, ActorRef<ChunkReceiver.Command> receiver) {
            this.ctx = ctx;
            this.timers = timers;
            this.settings = settings;
            this.receiver = receiver;
            this.serialization = SerializationExtension.get(Adapter.toClassic(ctx.getSystem()));
            this.self = ctx.getSelf().narrow();
        }

        Behavior<Object> behavior() {
            return Behaviors.receive(Object.class)
                    .onMessage(Connect.class, m -> {
                        receiver = m.receiver();
                        pump();
                        return Behaviors.same();
                    })
                    .onMessage(ChunkAck.class, this::onAck)
                    .onMessage(Resend.class, m -> {
                        if (current != null && current.id == m.transfer() && current.window.acked() == m.acked()) {
                            ctx.getLog().warn("chunked transfer {} ({}) to {}: no ack for {}; resending from chunk {}", current.id, current.label,
                                    receiver.path(), settings.resendAfter(), m.acked());
                            current.window.timeout();
                            pump();
                        } else if (current != null) {
                            armResend();
                        }
                        return Behaviors.same();
                    })
                    .onAnyMessage(m -> {
                        queue.add(m);
                        pump();
                        return Behaviors.same();
                    })
                    .build();
        }

        private Behavior<Object> onAck(ChunkAck a) {
            if (current == null || a.stream() != stream || a.transfer() != current.id) return Behaviors.same();   // stale
            SendWindow.AckEffect e = current.window.onAck(a.next());
            if (e == SendWindow.AckEffect.DONE) {
                current = null;
                timers.cancel(Resend.class);
            } else if (e == SendWindow.AckEffect.PROGRESS) {
                armResend();
            }
            pump();
            return Behaviors.same();
        }

        /** Sends what the window allows, starting the next transfer when one completes. */
        private void pump() {
            if (receiver == null) return;
            while (true) {
                if (current == null) {
                    if (queue.isEmpty()) return;
                    current = serialize(queue.poll());
                    if (current == null) continue;
                    armResend();
                }
                int[] range = current.window.take();
                for (int i = range[0]; i < range[1]; i++) receiver.tell(chunk(current, i));
                return;   // the rest goes as acks arrive
            }
        }

        private void armResend() {
            timers.startSingleTimer(Resend.class, new Resend(current.id, current.window.acked()), settings.resendAfter());
        }

        private ChunkReceiver.Chunk chunk(Transfer t, int index) {
            int offset = (int) Chunking.offset(index, settings.chunkBytes());
            int length = Chunking.length(index, t.bytes.length, settings.chunkBytes());
            byte[] part = Arrays.copyOfRange(t.bytes, offset, offset + length);
            return new ChunkReceiver.Chunk(stream, t.id, index, t.count, t.bytes.length, settings.chunkBytes(), t.serializerId, t.manifest, t.label,
                    part, Chunking.crc(part, 0, length), self);
        }

        private Transfer serialize(Object message) {
            String label = message.getClass().getSimpleName();
            try {
                Serializer s = serialization.findSerializerFor(message);
                byte[] bytes = s.toBinary(message);
                if (bytes.length > settings.maxPayloadBytes()) {
                    throw new IllegalArgumentException(bytes.length + " bytes, more than " + TransferSettings.PATH + ".max-payload-bytes");
                }
                int count = Chunking.count(bytes.length, settings.chunkBytes());
                return new Transfer(nextId++, label, s.identifier(), Serializers.manifestFor(s, message), bytes, count,
                        new SendWindow(count, settings.window()));
            } catch (RuntimeException e) {
                ctx.getLog().error("chunked link to {}: {} cannot be sent and is dropped: {}", receiver.path(), label, e.toString());
                return null;
            }
        }
    }
}

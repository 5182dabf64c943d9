package org.semivim.actors.transfer;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.semivim.actors.serialization.WireMessage;

/**
 * The receiving end of a chunked link (lives on the node of the actor it delivers to): puts each
 * transfer back together ({@link Reassembly}), acknowledges the chunks to the sender ({@link AckPolicy}:
 * a refused chunk or a duplicate at once, accepted ones at once when the sender's window is half used,
 * else cumulatively within {@link TransferSettings#ackDelay}), deserializes a complete transfer with the
 * serializer it was written by (Kryo, registration required) and delivers the message to its target, in
 * the order sent. A refused chunk (missing predecessor, corrupt, out of order) is logged with the reason;
 * its ack makes the sender resend from the missing chunk. A payload that does not deserialize is logged
 * and dropped (as Artery drops an undeserializable message). An ack still held when the receiver stops
 * or restarts is sent then.
 */
public final class ChunkReceiver {

    public sealed interface Command extends WireMessage permits Chunk, FlushAck {}

    /**
     * Chunk {@code seq} of sender stream {@code stream} (whose oldest unacknowledged chunk is {@code base}), sent in
     * send epoch {@code epoch} (echoed in the ack), which is chunk {@code index} of {@code count} of
     * transfer {@code transfer}: {@code bytes} are payload bytes [index·chunkBytes, …) of {@code totalBytes};
     * {@code crc} is the CRC-32C of the header fields and the bytes ({@link Chunking#crc(long, long, int, int, int, int, byte[])}).
     * The payload was written by serializer {@code serializerId} with {@code manifest}. {@code label}
     * names the message (its class) for errors; acks go to {@code replyTo}.
     */
    public record Chunk(long stream, long base, long seq, int epoch, long transfer, int index, int count, int totalBytes, int chunkBytes, int serializerId,
                        String manifest, String label, byte[] bytes, int crc, ActorRef<ChunkSender.Command> replyTo) implements Command {}

    /** Timer: send the acknowledgement held back. */
    private record FlushAck() implements Command {}

    private ChunkReceiver() {}

    /** Delivers every complete message to {@code target}. */
    public static Behavior<Command> create(ActorRef<?> target, TransferSettings settings) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Link(ctx, timers, target, settings).behavior()));
    }

    private static final class Link {
        private final ActorContext<Command> ctx;
        private final TimerScheduler<Command> timers;
        private final TransferSettings settings;
        private final Serialization serialization;
        private final Reassembly reassembly;
        private final ActorRef<Object> to;
        private ActorRef<ChunkSender.Command> heldTo;   // the ack held back (null: none)
        private ChunkSender.ChunkAck held;

        @SuppressWarnings("unchecked")
        Link(ActorContext<Command> ctx, TimerScheduler<Command> timers, ActorRef<?> target, TransferSettings settings) {
            this.ctx = ctx;
            this.timers = timers;
            this.settings = settings;
            this.serialization = SerializationExtension.get(Adapter.toClassic(ctx.getSystem()));
            this.reassembly = new Reassembly(settings.maxPayloadBytes());
            this.to = (ActorRef<Object>) target;
        }

        Behavior<Command> behavior() {
            return Behaviors.receive(Command.class)
                    .onMessage(Chunk.class, this::onChunk)
                    .onMessage(FlushAck.class, m -> {
                        flush();
                        return Behaviors.same();
                    })
                    .onSignal(PreRestart.class, s -> {
                        flush();
                        return Behaviors.same();
                    })
                    .onSignal(PostStop.class, s -> {
                        flush();
                        return Behaviors.same();
                    })
                    .build();
        }

        private Behavior<Command> onChunk(Chunk c) {
            Reassembly.Outcome o = reassembly.accept(c.stream(), c.base(), c.seq(), c.transfer(), c.index(), c.count(), c.totalBytes(),
                    c.chunkBytes(), c.bytes(), c.crc());
            ChunkSender.ChunkAck ack = new ChunkSender.ChunkAck(c.stream(), o.ackNext(), c.epoch(), o instanceof Reassembly.Refused);
            if (AckPolicy.ackNow(o, c.seq(), c.base(), settings.window())) {
                held = null;   // this ack covers (or, for another stream, replaces) the one held back
                heldTo = null;
                timers.cancel(FlushAck.class);
                c.replyTo().tell(ack);
            } else {
                if (held == null) timers.startSingleTimer(FlushAck.class, new FlushAck(), settings.ackDelay());
                held = ack;
                heldTo = c.replyTo();
            }
            if (o instanceof Reassembly.Refused r) {
                ctx.getLog().warn("chunked link from {} ({}): {}; acknowledging up to seq {}", c.replyTo().path(), c.label(), r.reason(), r.ackNext());
            } else if (o instanceof Reassembly.Complete done) {
                var message = serialization.deserialize(done.payload(), c.serializerId(), c.manifest());
                if (message.isSuccess()) to.tell(message.get());
                else ctx.getLog().error("chunked transfer {} from {} ({}, {} bytes) does not deserialize; dropped: {}", done.transfer(),
                        c.replyTo().path(), c.label(), done.payload().length, message.failed().get().toString());
            }
            return Behaviors.same();
        }

        private void flush() {
            if (held != null) heldTo.tell(held);
            held = null;
            heldTo = null;
            timers.cancel(FlushAck.class);
        }
    }
}

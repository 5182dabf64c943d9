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
 * {@link ChunkReceiver} on the other node. The chunks of all payloads form one sequence, in the order
 * told; at most {@link TransferSettings#window} of them are unacknowledged ({@link SendWindow}: go-back-N
 * on a complaint about a chunk of the current send epoch, or after {@link TransferSettings#resendAfter}
 * without progress). Payloads told before
 * the receiver is known ({@link Connect}) wait. A payload that does not serialize is logged and dropped.
 */
public final class ChunkSender {

    public sealed interface Command extends WireMessage permits Connect, ChunkAck, Resend {}

    /** The receiver to send to (local: from whoever set up the link). */
    public record Connect(ActorRef<ChunkReceiver.Command> receiver) implements Command {}

    /**
     * From the receiver, answering a chunk of send epoch {@code epoch}: every chunk of stream
     * {@code stream} before {@code next} has arrived; {@code complaint} when it refused that chunk.
     */
    public record ChunkAck(long stream, long next, int epoch, boolean complaint) implements Command {}

    /** Timer: no progress since every chunk before {@code acked} was acknowledged. */
    private record Resend(long acked) implements Command {}

    private ChunkSender() {}

    /** A sender whose receiver comes later in a {@link Connect}. */
    public static Behavior<Object> create(TransferSettings settings) {
        return create(settings, null);
    }

    /** A sender to {@code receiver} (may be null: see {@link #create(TransferSettings)}). */
    public static Behavior<Object> create(TransferSettings settings, ActorRef<ChunkReceiver.Command> receiver) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Link(ctx, timers, settings, receiver).behavior()));
    }

    /** One payload: chunks [first, first + count) of the link's sequence. */
    private record Transfer(long id, long first, String label, int serializerId, String manifest, byte[] bytes, int count) {}

    private static final class Link {
        private final ActorContext<Object> ctx;
        private final TimerScheduler<Object> timers;
        private final TransferSettings settings;
        private final Serialization serialization;
        private final long stream = System.nanoTime();   // this incarnation's stream id (an identifier, no numerics)
        private final ArrayDeque<Transfer> transfers = new ArrayDeque<>();   // not yet wholly acknowledged, in sequence order
        private final SendWindow window;
        private final ActorRef<Command> self;
        private ActorRef<ChunkReceiver.Command> receiver;
        private long nextId;

        Link(ActorContext<Object> ctx, TimerScheduler<Object> timers, TransferSettings settings, ActorRef<ChunkReceiver.Command> receiver) {
            this.ctx = ctx;
            this.timers = timers;
            this.settings = settings;
            this.receiver = receiver;
            this.window = new SendWindow(settings.window());
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
                        if (window.done()) return Behaviors.same();
                        if (receiver != null && window.acked() == m.acked()) {
                            ctx.getLog().warn("chunked link to {}: no ack for {}; resending from seq {} ({})", receiver.path(), settings.resendAfter(),
                                    m.acked(), transfers.isEmpty() ? "" : transfers.peekFirst().label);
                            window.timeout();
                            pump();
                        }
                        armResend();
                        return Behaviors.same();
                    })
                    .onAnyMessage(m -> {
                        boolean idle = window.done();
                        Transfer t = serialize(m);
                        if (t != null) {
                            transfers.add(t);
                            if (idle) armResend();
                            pump();
                        }
                        return Behaviors.same();
                    })
                    .build();
        }

        private Behavior<Object> onAck(ChunkAck a) {
            if (a.stream() != stream || a.next() > window.end()) return Behaviors.same();   // another incarnation's ack
            SendWindow.AckEffect e = window.onAck(a.next(), a.epoch(), a.complaint());
            while (!transfers.isEmpty() && transfers.peekFirst().first + transfers.peekFirst().count <= window.acked()) transfers.pollFirst();
            if (e == SendWindow.AckEffect.DONE) timers.cancel(Resend.class);
            else if (e == SendWindow.AckEffect.PROGRESS) armResend();
            pump();
            return Behaviors.same();
        }

        /** Sends what the window allows. */
        private void pump() {
            if (receiver == null) return;
            long[] range = window.take();
            if (range[0] == range[1]) return;
            var it = transfers.iterator();
            Transfer t = it.next();
            for (long seq = range[0]; seq < range[1]; seq++) {
                while (seq >= t.first + t.count) t = it.next();
                receiver.tell(chunk(t, seq));
            }
        }

        private void armResend() {
            timers.startSingleTimer(Resend.class, new Resend(window.acked()), settings.resendAfter());
        }

        private ChunkReceiver.Chunk chunk(Transfer t, long seq) {
            int index = (int) (seq - t.first);
            int offset = (int) Chunking.offset(index, settings.chunkBytes());
            int length = Chunking.length(index, t.bytes.length, settings.chunkBytes());
            // a payload of one chunk goes as it is (the receiver only reads it; the transfer keeps it for resends)
            byte[] part = offset == 0 && length == t.bytes.length ? t.bytes : Arrays.copyOfRange(t.bytes, offset, offset + length);
            int crc = Chunking.crc(seq, t.id, index, t.count, t.bytes.length, settings.chunkBytes(), part);
            return new ChunkReceiver.Chunk(stream, window.acked(), seq, window.epoch(), t.id, index, t.count, t.bytes.length, settings.chunkBytes(),
                    t.serializerId, t.manifest, t.label, part, crc, self);
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
                return new Transfer(nextId++, window.extend(count), label, s.identifier(), Serializers.manifestFor(s, message), bytes, count);
            } catch (RuntimeException e) {
                ctx.getLog().error("chunked link to {}: {} cannot be sent and is dropped: {}", receiver == null ? "(not connected)" : receiver.path(),
                        label, e.toString());
                return null;
            }
        }
    }
}

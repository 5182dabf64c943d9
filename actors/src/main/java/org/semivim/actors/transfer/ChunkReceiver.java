package org.semivim.actors.transfer;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.semivim.actors.serialization.WireMessage;

/**
 * The receiving end of a chunked link (lives on the node of the actor it delivers to): puts each
 * transfer back together ({@link Reassembly}), acknowledges every chunk to the sender, deserializes a
 * complete transfer with the serializer it was written by (Kryo, registration required) and delivers
 * the message to its target, in the order sent. A refused chunk (missing predecessor, corrupt, out of
 * order) is logged with the reason; its ack makes the sender resend from the missing chunk. A payload
 * that does not deserialize is logged and dropped (as Artery drops an undeserializable message).
 */
public final class ChunkReceiver {

    public sealed interface Command extends WireMessage permits Chunk {}

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

    private ChunkReceiver() {}

    /** Delivers every complete message to {@code target}. */
    public static Behavior<Command> create(ActorRef<?> target, TransferSettings settings) {
        return Behaviors.setup(ctx -> {
            Serialization serialization = SerializationExtension.get(Adapter.toClassic(ctx.getSystem()));
            Reassembly reassembly = new Reassembly(settings.maxPayloadBytes());
            @SuppressWarnings("unchecked")
            ActorRef<Object> to = (ActorRef<Object>) target;
            return Behaviors.receive(Command.class)
                    .onMessage(Chunk.class, c -> {
                        Reassembly.Outcome o = reassembly.accept(c.stream(), c.base(), c.seq(), c.transfer(), c.index(), c.count(), c.totalBytes(),
                                c.chunkBytes(), c.bytes(), c.crc());
                        c.replyTo().tell(new ChunkSender.ChunkAck(c.stream(), o.ackNext(), c.epoch(), o instanceof Reassembly.Refused));
                        if (o instanceof Reassembly.Refused r) {
                            ctx.getLog().warn("chunked link from {} ({}): {}; acknowledging up to seq {}", c.replyTo().path(), c.label(), r.reason(),
                                    r.ackNext());
                        } else if (o instanceof Reassembly.Complete done) {
                            var message = serialization.deserialize(done.payload(), c.serializerId(), c.manifest());
                            if (message.isSuccess()) to.tell(message.get());
                            else ctx.getLog().error("chunked transfer {} from {} ({}, {} bytes) does not deserialize; dropped: {}", done.transfer(),
                                    c.replyTo().path(), c.label(), done.payload().length, message.failed().get().toString());
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}

package org.semivim.actors.serialization;

/**
 * Marker of every message the actors exchange. The HOCON binds this interface to
 * {@link KryoSerializer} ({@code pekko.actor.serialization-bindings}), and every actor protocol's
 * {@code Command} interface extends it, so no message can fall back to another serializer
 * (Java serialization is off).
 */
public interface WireMessage {}

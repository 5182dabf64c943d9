package org.semivim.cluster;

/** The Artery transport of a node, and the cluster-config HOCON resource that sets it up. */
public enum Transport {
    TCP("tcp", "semivim-cluster"),
    AERON_UDP("aeron-udp", "semivim-cluster-aeron"),
    TLS_TCP("tls-tcp", "semivim-cluster-tls");

    private final String artery;
    private final String resource;

    Transport(String artery, String resource) {
        this.artery = artery;
        this.resource = resource;
    }

    /** The value of {@code pekko.remote.artery.transport}. */
    public String artery() {
        return artery;
    }

    /** The HOCON resource (module cluster-config) to load for this transport. */
    public String resource() {
        return resource;
    }

    /** Parses "tcp", "aeron-udp" or "tls-tcp". */
    public static Transport of(String name) {
        for (Transport t : values()) if (t.artery.equals(name)) return t;
        throw new IllegalArgumentException("unknown transport '" + name + "': expected tcp, aeron-udp or tls-tcp");
    }
}

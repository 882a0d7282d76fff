package dev.podlab.kubeproxy;

import dev.podlab.packet.Ipv4Address;

/**
 * One endpoint of a Service port ({@code proxy.BaseEndpointInfo}), with the EndpointSlice
 * conditions kube-proxy reads.
 *
 * @param ip the pod IP ({@link Ipv4Address} int)
 * @param port the endpoint port (the resolved targetPort)
 * @param ready {@code conditions.ready}
 * @param serving {@code conditions.serving}
 * @param terminating {@code conditions.terminating}
 * @param nodeName the node the endpoint runs on, or null; an endpoint is local when this
 *     equals {@link ProxySettings#nodeName()}
 */
public record Endpoint(int ip, int port, boolean ready, boolean serving, boolean terminating, String nodeName) {
    public Endpoint {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("endpoint port " + port + " not in 1..65535");
        }
    }

    /** A ready, serving, non-terminating endpoint. */
    public static Endpoint ready(String ip, int port, String nodeName) {
        return new Endpoint(Ipv4Address.parse(ip), port, true, true, false, nodeName);
    }

    /** This endpoint with {@code ready: false}, {@code serving: false}. */
    public Endpoint notReady() {
        return new Endpoint(ip, port, false, false, terminating, nodeName);
    }

    /** This endpoint terminating but still serving (ready false, serving true, terminating true). */
    public Endpoint servingTerminating() {
        return new Endpoint(ip, port, false, true, true, nodeName);
    }

    /** {@code BaseEndpointInfo.String()}: "IP:port", also the key kube-proxy sorts and hashes. */
    @Override
    public String toString() {
        return Ipv4Address.toString(ip) + ":" + port;
    }

    /** {@code IsLocal()} for a node. */
    boolean isLocalTo(String node) {
        return nodeName != null && !node.isEmpty() && nodeName.equals(node);
    }
}

package dev.podlab.kubeproxy;

import dev.podlab.packet.Ipv4Address;
import java.util.Objects;

/**
 * One port of a Service as kube-proxy sees it ({@code proxy.ServicePort} /
 * {@code BaseServicePortInfo}): the fields of {@code v1.Service} that shape iptables rules.
 * Build with {@link #clusterIp} and the {@code with…} methods.
 *
 * @param name namespace, Service name, port name
 * @param clusterIp the ClusterIP ({@link Ipv4Address} int)
 * @param port the Service port
 * @param nodePort the node port, 0 unless {@code type} is NodePort
 * @param targetPort the pods' port; informational (endpoints carry their own port, as
 *     EndpointSlices do), used by {@link #endpoint}
 * @param stickyMaxAgeSeconds {@code sessionAffinityConfig.clientIP.timeoutSeconds} (default 10800)
 */
public record ServicePort(
        ServicePortName name,
        Protocol protocol,
        int clusterIp,
        int port,
        int nodePort,
        int targetPort,
        Type type,
        SessionAffinity sessionAffinity,
        int stickyMaxAgeSeconds,
        TrafficPolicy internalTrafficPolicy,
        TrafficPolicy externalTrafficPolicy) {

    /** {@code v1.ServiceType} values podlab models. */
    public enum Type {
        CLUSTER_IP,
        NODE_PORT
    }

    /** {@code v1.ServiceAffinity}. */
    public enum SessionAffinity {
        NONE,
        CLIENT_IP
    }

    /** {@code v1.ServiceInternalTrafficPolicy} / {@code v1.ServiceExternalTrafficPolicy}. */
    public enum TrafficPolicy {
        CLUSTER,
        LOCAL
    }

    /** API default of {@code sessionAffinityConfig.clientIP.timeoutSeconds}. */
    public static final int DEFAULT_STICKY_MAX_AGE_SECONDS = 10800;

    public ServicePort {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(sessionAffinity, "sessionAffinity");
        Objects.requireNonNull(internalTrafficPolicy, "internalTrafficPolicy");
        Objects.requireNonNull(externalTrafficPolicy, "externalTrafficPolicy");
        checkPort("port", port);
        checkPort("targetPort", targetPort);
        if (type == Type.NODE_PORT) {
            checkPort("nodePort", nodePort);
        } else if (nodePort != 0) {
            throw new IllegalArgumentException(name + ": nodePort " + nodePort + " on a ClusterIP Service");
        }
        if (stickyMaxAgeSeconds <= 0) {
            throw new IllegalArgumentException(name + ": stickyMaxAgeSeconds must be positive");
        }
    }

    private static void checkPort(String what, int value) {
        if (value < 1 || value > 65535) {
            throw new IllegalArgumentException(what + " " + value + " not in 1..65535");
        }
    }

    /**
     * A ClusterIP Service port: no session affinity, both traffic policies Cluster.
     *
     * @param portName the port's name, "" for an unnamed single port
     */
    public static ServicePort clusterIp(String namespace, String name, String portName, Protocol protocol,
            String clusterIp, int port, int targetPort) {
        return new ServicePort(new ServicePortName(namespace, name, portName), protocol, Ipv4Address.parse(clusterIp),
                port, 0, targetPort, Type.CLUSTER_IP, SessionAffinity.NONE, DEFAULT_STICKY_MAX_AGE_SECONDS,
                TrafficPolicy.CLUSTER, TrafficPolicy.CLUSTER);
    }

    /** This port as type NodePort on {@code nodePort}. */
    public ServicePort withNodePort(int nodePort) {
        return new ServicePort(name, protocol, clusterIp, port, nodePort, targetPort, Type.NODE_PORT,
                sessionAffinity, stickyMaxAgeSeconds, internalTrafficPolicy, externalTrafficPolicy);
    }

    /** This port with {@code sessionAffinity: ClientIP} and the given timeout. */
    public ServicePort withClientIpAffinity(int timeoutSeconds) {
        return new ServicePort(name, protocol, clusterIp, port, nodePort, targetPort, type,
                SessionAffinity.CLIENT_IP, timeoutSeconds, internalTrafficPolicy, externalTrafficPolicy);
    }

    /** This port with {@code internalTrafficPolicy}. */
    public ServicePort withInternalTrafficPolicy(TrafficPolicy policy) {
        return new ServicePort(name, protocol, clusterIp, port, nodePort, targetPort, type,
                sessionAffinity, stickyMaxAgeSeconds, policy, externalTrafficPolicy);
    }

    /** This port with {@code externalTrafficPolicy}. */
    public ServicePort withExternalTrafficPolicy(TrafficPolicy policy) {
        return new ServicePort(name, protocol, clusterIp, port, nodePort, targetPort, type,
                sessionAffinity, stickyMaxAgeSeconds, internalTrafficPolicy, policy);
    }

    /** A ready endpoint at {@code ip}:{@link #targetPort} on {@code nodeName} (may be null). */
    public Endpoint endpoint(String ip, String nodeName) {
        return Endpoint.ready(ip, targetPort, nodeName);
    }

    /** {@code ExternallyAccessible()}: NodePort (LoadBalancer and externalIPs are not modelled). */
    public boolean externallyAccessible() {
        return nodePort != 0;
    }

    /** {@code InternalPolicyLocal()}. */
    public boolean internalPolicyLocal() {
        return internalTrafficPolicy == TrafficPolicy.LOCAL;
    }

    /** {@code ExternalPolicyLocal()}: only meaningful, and only true, for externally accessible ports. */
    public boolean externalPolicyLocal() {
        return externallyAccessible() && externalTrafficPolicy == TrafficPolicy.LOCAL;
    }

    /** {@code UsesClusterEndpoints()} (pkg/proxy/serviceport.go). */
    public boolean usesClusterEndpoints() {
        return !internalPolicyLocal() || (externallyAccessible() && !externalPolicyLocal());
    }

    /** {@code UsesLocalEndpoints()} (pkg/proxy/serviceport.go). */
    public boolean usesLocalEndpoints() {
        return internalPolicyLocal() || externalPolicyLocal();
    }
}

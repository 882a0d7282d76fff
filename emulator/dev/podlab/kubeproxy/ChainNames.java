package dev.podlab.kubeproxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * kube-proxy's chain names: a prefix plus the first 16 characters of the RFC 4648 base32
 * encoding of a SHA-256 (pkg/proxy/iptables/proxier.go {@code portProtoHash},
 * {@code servicePortPolicyClusterChain}, {@code servicePortPolicyLocalChainName},
 * {@code serviceExternalChainName}, {@code serviceFirewallChainName},
 * {@code servicePortEndpointChainName}). iptables limits chain names to 28 characters.
 */
public final class ChainNames {
    private ChainNames() {}

    public static final String SVC_PREFIX = "KUBE-SVC-";
    public static final String SVL_PREFIX = "KUBE-SVL-";
    public static final String EXT_PREFIX = "KUBE-EXT-";
    public static final String FW_PREFIX = "KUBE-FW-";
    public static final String SEP_PREFIX = "KUBE-SEP-";

    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    /** {@code portProtoHash}: base32(sha256(servicePortName + protocol))[:16]. */
    public static String portProtoHash(String servicePortName, String protocol) {
        return base32Prefix16(sha256(servicePortName + protocol));
    }

    /** {@code KUBE-SVC-<hash>}: endpoints for Cluster traffic policy. */
    public static String serviceChain(ServicePortName name, Protocol protocol) {
        return SVC_PREFIX + portProtoHash(name.toString(), protocol.lower());
    }

    /** {@code KUBE-SVL-<hash>}: local endpoints for Local traffic policy. */
    public static String serviceLocalChain(ServicePortName name, Protocol protocol) {
        return SVL_PREFIX + portProtoHash(name.toString(), protocol.lower());
    }

    /** {@code KUBE-EXT-<hash>}: external destinations (NodePort here). */
    public static String serviceExternalChain(ServicePortName name, Protocol protocol) {
        return EXT_PREFIX + portProtoHash(name.toString(), protocol.lower());
    }

    /** {@code KUBE-FW-<hash>}: loadBalancerSourceRanges (not generated: LoadBalancer is not modelled). */
    public static String serviceFirewallChain(ServicePortName name, Protocol protocol) {
        return FW_PREFIX + portProtoHash(name.toString(), protocol.lower());
    }

    /** {@code KUBE-SEP-<hash>}: base32(sha256(servicePortName + protocol + "IP:port"))[:16]. */
    public static String endpointChain(ServicePortName name, Protocol protocol, Endpoint endpoint) {
        return SEP_PREFIX + base32Prefix16(sha256(name.toString() + protocol.lower() + endpoint));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /**
     * The first 16 characters of {@code base32.StdEncoding.EncodeToString}: 16 × 5 bits =
     * the first 10 bytes, so padding never reaches the prefix.
     */
    private static String base32Prefix16(byte[] digest) {
        StringBuilder sb = new StringBuilder(16);
        long bits = 0;
        for (int i = 0; i < 5; i++) {
            bits = bits << 8 | (digest[i] & 0xff);
        }
        for (int shift = 35; shift >= 0; shift -= 5) {
            sb.append(BASE32[(int) (bits >>> shift) & 31]);
        }
        bits = 0;
        for (int i = 5; i < 10; i++) {
            bits = bits << 8 | (digest[i] & 0xff);
        }
        for (int shift = 35; shift >= 0; shift -= 5) {
            sb.append(BASE32[(int) (bits >>> shift) & 31]);
        }
        return sb.toString();
    }
}

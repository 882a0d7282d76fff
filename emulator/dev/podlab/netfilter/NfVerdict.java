package dev.podlab.netfilter;

/**
 * The verdict of a table at a hook: {@code NF_ACCEPT} or {@code NF_DROP}. REJECT is a DROP whose
 * reply is described on the {@link PacketContext} ({@link PacketContext#rejectWith()}); the NAT
 * targets are an ACCEPT that leaves a {@link NatRequest}.
 */
public enum NfVerdict {
    ACCEPT,
    DROP
}

package dev.podlab.cluster.model;

/** A node of the Cluster object: its name and underlay address with prefix ({@code 192.168.1.11/24}). */
public record NodeSpec(String name, int address, int prefixLength, Source source) {
}

package dev.podlab.cluster;

import dev.podlab.cluster.model.ServiceSpec;
import java.util.ArrayList;
import java.util.List;

/** A Service of an emulated cluster: its spec, its ClusterIP and the pods behind it. */
public final class ClusterService {
    private final ServiceSpec spec;
    private final int clusterIp;
    private final List<ClusterPod> endpoints = new ArrayList<>();
    private final List<Integer> nodePorts = new ArrayList<>();

    ClusterService(ServiceSpec spec, int clusterIp) {
        this.spec = spec;
        this.clusterIp = clusterIp;
    }

    public ServiceSpec spec() {
        return spec;
    }

    public String name() {
        return spec.qualifiedName();
    }

    public int clusterIp() {
        return clusterIp;
    }

    /** The node ports of a NodePort Service, in port order (given or allocated). */
    public List<Integer> nodePorts() {
        return nodePorts;
    }

    /** Pods selected by the Service (one entry per pod and port). */
    public List<ClusterPod> endpoints() {
        return endpoints;
    }
}

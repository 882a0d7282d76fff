package dev.podlab.kernel;

/**
 * {@link FlannelKernelDifferential} on flannel's host-gw: a route per peer via its underlay address; the pods' packets cross the underlay as
 * they are, between the nodes' MACs.
 */
class FlannelHostGwKernelTest extends FlannelKernelDifferential {
    FlannelHostGwKernelTest() {
        super("host-gw");
    }
}

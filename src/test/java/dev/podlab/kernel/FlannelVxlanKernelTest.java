package dev.podlab.kernel;

/**
 * {@link FlannelKernelDifferential} on flannel's VXLAN: flannel.1, its onlink routes, permanent neighbours and FDB entries; the frames on the
 * underlay are UDP 8472 datagrams carrying the pods' frames.
 */
class FlannelVxlanKernelTest extends FlannelKernelDifferential {
    FlannelVxlanKernelTest() {
        super("vxlan");
    }
}

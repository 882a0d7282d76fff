package dev.podlab.flannel;

import dev.podlab.packet.Ipv4Address;
import dev.podlab.packet.MacAddress;

/**
 * A node's subnet lease as the Kubernetes subnet manager builds it from the Node object
 * (pkg/subnet/kube/kube.go): the subnet is {@code spec.podCIDR}, the attributes come from the
 * annotations flanneld published ({@code flannel.alpha.coreos.com/public-ip},
 * {@code backend-type}, {@code backend-data}).
 *
 * @param node         the node's name
 * @param subnet       the node subnet's network address
 * @param subnetLen    its prefix length
 * @param publicIp     {@code public-ip}: the node's underlay address
 * @param backendType  {@code backend-type}
 * @param vni          the VNI in {@code backend-data} (vxlan), else 0
 * @param vtepMac      the flannel.VNI device's MAC in {@code backend-data} (vxlan), else 0
 */
public record Lease(String node, int subnet, int subnetLen, int publicIp, NetConf.BackendType backendType, int vni,
        long vtepMac) {

    /** The subnet as {@code 10.244.1.0/24}. */
    public String subnetCidr() {
        return Ipv4Address.toString(subnet) + "/" + subnetLen;
    }

    /** {@code flannel.alpha.coreos.com/backend-data}: {@code {"VNI":1,"VtepMAC":"..."}} for vxlan, {@code null} for host-gw. */
    public String backendData() {
        if (backendType != NetConf.BackendType.VXLAN) {
            return "null";
        }
        return "{\"VNI\":" + vni + ",\"VtepMAC\":\"" + MacAddress.toString(vtepMac) + "\"}";
    }
}

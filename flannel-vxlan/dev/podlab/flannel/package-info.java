/** flannel: subnet leases and the VXLAN, host-gw and DirectRouting backends. */
package dev.podlab.flannel;

package dev.podlab.net;

import dev.podlab.packet.MacAddress;

import dev.podlab.packet.Ipv4Address;

import java.util.ArrayList;
import java.util.List;

/**
 * The forwarding database of one VXLAN device (drivers/net/vxlan/vxlan_core.c {@code vxlan_fdb}):
 * inner destination MAC to remote VTEP IPv4 address. These are the {@code self} entries flannel and
 * Felix program ({@code bridge fdb append MAC dev flannel.1 dst 192.168.66.215 self permanent}) and
 * that the VXLAN transmit path consults ({@code vxlan_find_mac}) to address the outer packet.
 *
 * <p>Lookups use an open-addressing map keyed by the MAC and allocate nothing. {@code bridge fdb
 * show} lists the entries newest first, the order of the device's FDB list in current kernels
 * (older kernels walk a hash table keyed by the MAC).
 *
 * <p>Only permanent entries with a destination are modelled: no learning (flannel and Calico create
 * the device with {@code nolearning}), no all-zeros default destination, no per-entry port, VNI or
 * via-interface.
 */
public final class VxlanFdb {
    private static final class Entry {
        final long mac;
        int dst;

        Entry(long mac, int dst) {
            this.mac = mac;
            this.dst = dst;
        }
    }

    private final DeviceRef dev;
    private final LongObjectMap<Entry> byMac = new LongObjectMap<>();
    private final List<Entry> entries = new ArrayList<>();

    public VxlanFdb(DeviceRef dev) {
        this.dev = dev;
    }

    public DeviceRef dev() {
        return dev;
    }

    /**
     * {@code bridge fdb add MAC dev DEV dst IP self permanent} (NLM_F_CREATE | NLM_F_EXCL).
     *
     * @throws RouteException {@code RTNETLINK answers: File exists} if the MAC has an entry
     */
    public void add(long mac, int dst) {
        if (byMac.get(mac) != null) {
            throw new RouteException(Errno.EEXIST);
        }
        Entry e = new Entry(mac, dst);
        byMac.put(mac, e);
        entries.add(e);
    }

    /** {@code bridge fdb replace MAC dev DEV dst IP self permanent}: creates or re-points the entry. */
    public void replace(long mac, int dst) {
        Entry e = byMac.get(mac);
        if (e == null) {
            add(mac, dst);
        } else {
            e.dst = dst;
        }
    }

    /** {@code bridge fdb del MAC dev DEV self}. */
    public boolean delete(long mac) {
        Entry e = byMac.remove(mac);
        if (e == null) {
            return false;
        }
        entries.remove(e);
        return true;
    }

    /** {@code vxlan_find_mac}: the remote VTEP for an inner destination MAC, or 0 when there is no entry. */
    public int lookupDst(long mac) {
        Entry e = byMac.get(mac);
        return e == null ? 0 : e.dst;
    }

    public int size() {
        return entries.size();
    }

    /** {@code bridge fdb show} lines of this device: {@code MAC dev DEV dst IP self permanent}. */
    public String show() {
        return show(false);
    }

    /** {@code bridge fdb show dev DEV}: the same lines without the {@code dev} field. */
    public String showDev() {
        return show(true);
    }

    private String show(boolean devFiltered) {
        StringBuilder sb = new StringBuilder();
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            sb.append(MacAddress.toString(e.mac)).append(' ');
            if (!devFiltered) {
                sb.append("dev ").append(dev.name()).append(' ');
            }
            sb.append("dst ").append(Ipv4Address.toString(e.dst)).append(' ');
            sb.append("self permanent\n");
        }
        return sb.toString();
    }
}

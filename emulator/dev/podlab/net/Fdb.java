package dev.podlab.net;

import dev.podlab.packet.MacAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The forwarding database of one Linux bridge (net/bridge/br_fdb.c), in virtual time. Entries are
 * keyed by (MAC, VLAN id) — VLAN 0 when vlan_filtering is off, which is every CNI bridge — and map to
 * a bridge port, or to the bridge itself for the bridge's own address.
 *
 * <ul>
 *   <li><b>local</b> entries (the bridge's and each port's own MAC, {@code br_fdb_add_local}) are
 *       permanent: never aged, never moved; a frame arriving with such a source is not learned.
 *   <li><b>static</b> entries ({@code bridge fdb add MAC dev PORT master static}) are never aged.
 *   <li><b>learned</b> entries ({@code br_fdb_update} on receive) move to the port a MAC shows up on
 *       and are gone when not refreshed for ageing_time (300 s default, {@code BR_DEFAULT_AGEING_TIME}):
 *       {@code has_expired} is {@code updated + ageing_time <= now}, so at exactly 300 s the entry is
 *       gone; {@code br_fdb_cleanup} deletes it then. Here expiry is applied lazily by {@link #lookup}
 *       and {@link #learn}, and eagerly by {@link #advance}; {@link #nextDeadlineNs} names the next
 *       expiry so one timer per bridge suffices.
 * </ul>
 *
 * <p>Lookups go through an open-addressing map keyed by {@code mac | vid << 48} and allocate nothing.
 * Entries are also kept newest first, the order of {@code br->fdb_list} that {@code br_fdb_dump}
 * walks. A port is added with its local entries for VLAN 0 and, when the bridge has a default PVID
 * (1 with CONFIG_BRIDGE_VLAN_FILTERING, the distribution default), for that VLAN too, so {@code
 * bridge fdb show} prints both the {@code vlan 1 ... permanent} and the plain {@code ... permanent}
 * line as a real bridge does.
 *
 * <p>Not modelled: the devices' own unicast/multicast address lists that {@code ndo_dflt_fdb_dump}
 * prints as {@code self permanent} lines (e.g. {@code 33:33:00:00:00:01 dev eth0 self permanent}),
 * sticky/locked/extern_learn flags, STP topology-change ageing, the transient {@code stale} state
 * between expiry and garbage collection, per-VLAN learning with vlan_filtering on.
 */
public final class Fdb {
    /** BR_DEFAULT_AGEING_TIME: 300 s. */
    public static final long DEFAULT_AGEING_TIME_NS = 300_000_000_000L;
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    /** One FDB entry; a read-only view for callers. */
    public static final class Entry {
        final long mac;
        final int vlan;
        /** The port the MAC is behind; null for the bridge's own (local) address. */
        DeviceRef port;
        final boolean local;
        final boolean isStatic;
        long updated;
        long used;
        final long seq;

        Entry(long mac, int vlan, DeviceRef port, boolean local, boolean isStatic, long now, long seq) {
            this.mac = mac;
            this.vlan = vlan;
            this.port = port;
            this.local = local;
            this.isStatic = isStatic;
            this.updated = now;
            this.used = now;
            this.seq = seq;
        }

        public long mac() {
            return mac;
        }

        public int vlan() {
            return vlan;
        }

        /** The port to forward to, or null when the address is the bridge's own. */
        public DeviceRef port() {
            return port;
        }

        /** A local (own-address) entry: frames to it are delivered up to the host. */
        public boolean isLocal() {
            return local;
        }

        public boolean isStatic() {
            return isStatic;
        }

        /** Virtual time of the last learning refresh. */
        public long updatedNs() {
            return updated;
        }
    }

    private final DeviceRef bridge;
    private final long ageingTime;
    private final int defaultPvid;
    private final LongObjectMap<Entry> byKey = new LongObjectMap<>();
    /** All entries, oldest first; dumps walk it backwards (fdb_create adds at the list head). */
    private final List<Entry> entries = new ArrayList<>();
    private long seq;
    private long ownAddressSeen;

    /**
     * A bridge with ageing_time {@code ageingTimeNs} and default PVID {@code defaultPvid} (0 for none),
     * whose own address {@code bridgeMac} gets its local entries (VLAN 0, then the default PVID), as
     * {@code br_fdb_change_mac_address} adds them.
     */
    public Fdb(DeviceRef bridge, long bridgeMac, long ageingTimeNs, int defaultPvid) {
        this.bridge = bridge;
        this.ageingTime = ageingTimeNs;
        this.defaultPvid = defaultPvid;
        addLocal(null, bridgeMac, 0, 0);
        if (defaultPvid != 0) {
            addLocal(null, bridgeMac, defaultPvid, 0);
        }
    }

    /**
     * A bridge as {@code ip link add cni0 type bridge} makes it: ageing 300 s, VLAN filtering off.
     * Without VLAN filtering the kernel keeps no per-VLAN local entries (the differential test saw
     * none in {@code bridge fdb show} on Linux 6.x), so only the VLAN 0 entries exist.
     */
    public Fdb(DeviceRef bridge, long bridgeMac) {
        this(bridge, bridgeMac, DEFAULT_AGEING_TIME_NS, 0);
    }

    public DeviceRef bridge() {
        return bridge;
    }

    private static long key(long mac, int vlan) {
        return (mac & 0xffff_ffff_ffffL) | ((long) vlan << 48);
    }

    /**
     * {@code br_add_if}: enslaves {@code port}, adding its address as a local entry (VLAN 0, then the
     * default PVID).
     */
    public void addPort(DeviceRef port, long portMac, long now) {
        addLocal(port, portMac, 0, now);
        if (defaultPvid != 0) {
            addLocal(port, portMac, defaultPvid, now);
        }
    }

    /** {@code br_del_if}: removes every entry pointing to {@code port} ({@code br_fdb_delete_by_port}). */
    public void removePort(DeviceRef port) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (port.equals(e.port)) {
                remove(e);
            }
        }
    }

    /** {@code fdb_add_local}: a permanent own-address entry; replaces a learned entry of the same key. */
    public Entry addLocal(DeviceRef portOrNull, long mac, int vlan, long now) {
        Entry old = byKey.get(key(mac, vlan));
        if (old != null) {
            if (old.local) {
                return old;
            }
            remove(old);
        }
        return insert(new Entry(mac, vlan, portOrNull, true, true, now, seq++));
    }

    /**
     * {@code br_fdb_change_mac_address}: the bridge's own address changed from {@code oldMac} to
     * {@code newMac}. The old local entries not tied to a port go (VLAN 0, then the default PVID),
     * local entries for the new address come.
     */
    public void changeBridgeAddress(long oldMac, long newMac, long now) {
        for (int vlan : defaultPvid != 0 ? new int[] {0, defaultPvid} : new int[] {0}) {
            Entry old = byKey.get(key(oldMac, vlan));
            if (old != null && old.local && old.port == null) {
                remove(old);
            }
            addLocal(null, newMac, vlan, now);
        }
    }

    /**
     * {@code br_fdb_changeaddr}: port {@code port}'s address changed; its local entries for the old
     * address go, local entries for the new one come (VLAN 0, then the default PVID).
     */
    public void changePortAddress(DeviceRef port, long oldMac, long newMac, long now) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (e.local && port.equals(e.port) && e.mac == oldMac) {
                remove(e);
            }
        }
        addPort(port, newMac, now);
    }

    /** {@code bridge fdb add MAC dev PORT master static}: a static (never aged) entry. */
    public Entry addStatic(DeviceRef port, long mac, int vlan, long now) {
        Entry old = byKey.get(key(mac, vlan));
        if (old != null) {
            throw new RouteException(Errno.EEXIST);
        }
        return insert(new Entry(mac, vlan, port, false, true, now, seq++));
    }

    private Entry insert(Entry e) {
        byKey.put(key(e.mac, e.vlan), e);
        entries.add(e);
        return e;
    }

    private void remove(Entry e) {
        byKey.remove(key(e.mac, e.vlan));
        entries.remove(e);
    }

    /** {@code bridge fdb del MAC dev PORT master [vlan VID]}. */
    public boolean delete(long mac, int vlan) {
        Entry e = byKey.get(key(mac, vlan));
        if (e == null) {
            return false;
        }
        remove(e);
        return true;
    }

    private boolean expired(Entry e, long now) {
        return !e.isStatic && e.updated + ageingTime <= now;
    }

    /**
     * {@code br_fdb_update}: a frame from {@code mac} arrived on {@code port}. Creates a learned entry,
     * or refreshes one and moves it to {@code port}; local entries are left alone (the kernel warns
     * "received packet on ... with own address as source address"). Nothing is learned when
     * ageing_time is 0.
     */
    public void learn(DeviceRef port, long mac, int vlan, long now) {
        if (ageingTime == 0) {
            return;
        }
        Entry e = byKey.get(key(mac, vlan));
        if (e != null && expired(e, now)) {
            remove(e);
            e = null;
        }
        if (e == null) {
            insert(new Entry(mac, vlan, port, false, false, now, seq++));
            return;
        }
        if (e.local) {
            ownAddressSeen++;
            return;
        }
        e.updated = now;
        if (!port.equals(e.port)) {
            e.port = port;
        }
    }

    /** Frames received with one of the bridge's own addresses as source (not learned). */
    public long ownAddressSeen() {
        return ownAddressSeen;
    }

    /**
     * {@code br_fdb_find_rcu} for forwarding: the entry for the destination, or null to flood. An
     * expired learned entry is removed and not returned. Allocates nothing.
     */
    public Entry lookup(long mac, int vlan, long now) {
        Entry e = byKey.get(key(mac, vlan));
        if (e == null) {
            return null;
        }
        if (expired(e, now)) {
            remove(e);
            return null;
        }
        e.used = now;
        return e;
    }

    /** {@code br_fdb_flush} (bridge link set ... fdb_flush): removes every entry that is not static or local. */
    public void flush() {
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (!e.isStatic) {
                remove(e);
            }
        }
    }

    /** br_fdb_cleanup: removes learned entries not refreshed for ageing_time. */
    public void advance(long now) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (expired(e, now)) {
                remove(e);
            }
        }
    }

    /** When the next learned entry expires, or {@link Long#MAX_VALUE}. */
    public long nextDeadlineNs() {
        long min = NO_DEADLINE;
        for (int i = 0, n = entries.size(); i < n; i++) {
            Entry e = entries.get(i);
            if (!e.isStatic) {
                min = Math.min(min, e.updated + ageingTime);
            }
        }
        return min;
    }

    public int size() {
        return entries.size();
    }

    // ---------------------------------------------------------------------------------------------
    // bridge fdb show (bridge/fdb.c print_fdb, fed by rtnl_fdb_dump + br_fdb_dump)

    /**
     * {@code bridge fdb show br BRIDGE}: the bridge's entries as {@code rtnl_fdb_dump} emits them —
     * devices in ifindex order (the bridge and its ports), for each port the entries behind it and for
     * the bridge its own-address entries, newest first — formatted by print_fdb: {@code MAC dev DEV
     * [vlan VID ]master BRIDGE STATE} where STATE is {@code permanent} (local), {@code static}, or empty
     * for learned entries (the line then ends in a blank).
     */
    public String show(long now) {
        return show(null, now);
    }

    /** {@code bridge fdb show dev PORT} (or {@code br} when {@code dev} is null): without the {@code dev} field. */
    public String show(DeviceRef dev, long now) {
        advance(now);
        TreeMap<Integer, DeviceRef> devs = new TreeMap<>();
        devs.put(bridge.ifindex(), bridge);
        for (Entry e : entries) {
            if (e.port != null) {
                devs.put(e.port.ifindex(), e.port);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (DeviceRef d : devs.values()) {
            if (dev != null && !dev.equals(d)) {
                continue;
            }
            boolean isBridge = d.equals(bridge);
            for (int i = entries.size() - 1; i >= 0; i--) {
                Entry e = entries.get(i);
                if (isBridge ? e.port != null : !d.equals(e.port)) {
                    continue;
                }
                sb.append(MacAddress.toString(e.mac)).append(' ');
                if (dev == null) {
                    sb.append("dev ").append(d.name()).append(' ');
                }
                if (e.vlan != 0) {
                    sb.append("vlan ").append(e.vlan).append(' ');
                }
                sb.append("master ").append(bridge.name()).append(' ');
                sb.append(e.local ? "permanent" : e.isStatic ? "static" : "").append('\n');
            }
        }
        return sb.toString();
    }
}

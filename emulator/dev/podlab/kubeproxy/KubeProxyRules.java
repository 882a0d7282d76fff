package dev.podlab.kubeproxy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one kube-proxy sync puts on a node.
 *
 * @param iptablesRestoreInput the exact text kube-proxy pipes to
 *     {@code iptables-restore --noflush --counters}: {@code *filter} then {@code *nat}, chain
 *     lines first, then rules, probabilities as written ({@code 0.3333333333}), mark as
 *     {@code 0x00004000}
 * @param jumpRules the rules kube-proxy ensures in built-in chains before the restore, in the
 *     order it ensures them (each one prepended)
 * @param canaryTables the tables in which {@code KUBE-PROXY-CANARY} is created (empty chain)
 */
public record KubeProxyRules(String iptablesRestoreInput, List<JumpRule> jumpRules, List<String> canaryTables) {
    public KubeProxyRules {
        jumpRules = List.copyOf(jumpRules);
        canaryTables = List.copyOf(canaryTables);
    }

    /**
     * The node's tables after kube-proxy ran on a fresh node: canary chains created, jump rules
     * ensured ({@code iptables -N} / {@code -I}), then the restore input applied. Keyed by
     * table name in iptables-save order: mangle, filter, nat.
     */
    public Map<String, IptablesSave.Table> tables() {
        Map<String, IptablesSave.Table> tables = new LinkedHashMap<>();
        for (String name : List.of("mangle", "filter", "nat")) {
            tables.put(name, new IptablesSave.Table(name));
        }
        for (String table : canaryTables) {
            tables.get(table).ensureChain(KubeProxy.KUBE_PROXY_CANARY);
        }
        for (JumpRule jump : jumpRules) {
            IptablesSave.Table table = tables.get(jump.table());
            table.ensureChain(jump.dstChain());
            table.ensureRuleFirst(jump.restoreLine());
        }
        IptablesSave.restore(iptablesRestoreInput, tables);
        return tables;
    }

    /**
     * {@code iptables-save} of the node's kube-proxy state: complete tables (built-in chains with
     * the jump rules, every KUBE-* chain sorted by name, canary chains), rules in iptables-save
     * form with probabilities after the kernel's 31-bit rounding ({@code 0.33333333349}).
     * Valid iptables-restore input, the form a netfilter engine loads.
     */
    public String iptablesSave() {
        return IptablesSave.print(List.copyOf(tables().values()));
    }
}

package dev.podlab.kubeproxy;

import java.util.ArrayList;
import java.util.List;

/**
 * A rule kube-proxy keeps in a built-in chain with {@code EnsureChain} + {@code EnsureRule(Prepend, …)}
 * outside iptables-restore ({@code iptablesJumpChains}, {@code iptablesKubeletJumpChains} in
 * proxier.go): it is {@code iptables -C}'d and, when missing, inserted at position 1.
 *
 * @param table "filter" or "nat"
 * @param srcChain the built-in chain (INPUT, FORWARD, OUTPUT, PREROUTING, POSTROUTING)
 * @param dstChain the kube-proxy chain jumped to
 * @param comment the {@code -m comment} text, "" for none
 * @param extraArgs matches before the comment, e.g. {@code -m conntrack --ctstate NEW}
 */
public record JumpRule(String table, String srcChain, String dstChain, String comment, List<String> extraArgs) {
    public JumpRule {
        extraArgs = List.copyOf(extraArgs);
    }

    /** The argv kube-proxy passes after the chain: extraArgs, the comment, {@code -j dstChain}. */
    public List<String> args() {
        List<String> args = new ArrayList<>(extraArgs);
        if (!comment.isEmpty()) {
            args.add("-m");
            args.add("comment");
            args.add("--comment");
            args.add(comment);
        }
        args.add("-j");
        args.add(dstChain);
        return args;
    }

    /** The rule as an iptables-restore line {@code -A srcChain …}, quoting arguments that hold spaces. */
    public String restoreLine() {
        StringBuilder sb = new StringBuilder("-A ").append(srcChain);
        for (String arg : args()) {
            sb.append(' ');
            if (arg.indexOf(' ') >= 0) {
                sb.append('"').append(arg).append('"');
            } else {
                sb.append(arg);
            }
        }
        return sb.toString();
    }

    /** The command a fresh node sees: {@code iptables -t <table> -I <srcChain> …}. */
    public String iptablesCommand() {
        return "iptables -t " + table + " -I " + restoreLine().substring(3);
    }
}

package dev.podlab.policy;

import dev.podlab.policy.PolicyEvaluator.Endpoint;
import dev.podlab.policy.PolicyEvaluator.Explanation;
import dev.podlab.policy.PolicyEvaluator.RuleMatch;
import dev.podlab.policy.PolicyEvaluator.Side;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Explanation} in words, as {@code podlab explain} prints it: the verdict, then each side
 * (egress at the source, ingress at the destination) with the policies selecting its pod and why it
 * lets the connection pass or not; where a side denies, one line per rule of the selecting
 * policies saying what of it does not match.
 *
 * <pre>
 * x/c (10.244.2.4) -> x/a (10.244.1.2) TCP/80: denied
 *   egress at x/c: allowed: not isolated (no policy selects x/c for egress)
 *   ingress at x/a, selected by x/allow-b: denied: isolated, and no ingress rule matches the peer x/c (10.244.2.4)
 *     x/allow-b ingress rule 0 (from podSelector pod=b; all ports): the peer does not match
 * </pre>
 *
 * The per-rule lines come from the evaluator itself, asked about a copy of the policy holding that
 * one rule, so they cannot disagree with the verdict.
 */
final class ExplanationText {
    private final ClusterPolicies state;

    ExplanationText(ClusterPolicies state) {
        this.state = state;
    }

    String format(Explanation e) {
        StringBuilder sb = new StringBuilder();
        sb.append(endpoint(e.source())).append(" -> ").append(endpoint(e.destination())).append(' ')
                .append(e.protocol()).append('/').append(e.port()).append(": ").append(e.allowed() ? "allowed" : "denied");
        side(sb, e, e.egress());
        side(sb, e, e.ingress());
        return sb.toString();
    }

    private static String endpoint(Endpoint e) {
        return e.isPod() ? e.pod().toString() : Cidr.formatAddress(e.address());
    }

    private void side(StringBuilder sb, Explanation e, Side side) {
        boolean ingress = side.direction() == PolicyType.Ingress;
        String dir = ingress ? "ingress" : "egress";
        Endpoint self = ingress ? e.destination() : e.source();
        Endpoint peer = ingress ? e.source() : e.destination();
        sb.append("\n  ").append(dir).append(" at ").append(self.isPod() ? self.pod().qualifiedName() : endpoint(self));
        if (!side.selecting().isEmpty()) {
            sb.append(", selected by ").append(names(side.selecting()));
        }
        sb.append(": ");
        switch (side.reason()) {
            case NOT_A_POD -> sb.append("allowed: not a pod, no policy applies");
            case SELF -> sb.append("allowed: same pod (a pod talking to itself is always allowed)");
            case FROM_OWN_NODE -> sb.append("allowed: from the pod's own node ").append(side.pod().node())
                    .append(" (always allowed)");
            case NOT_ISOLATED -> sb.append("allowed: not isolated (no policy selects ").append(side.pod().qualifiedName())
                    .append(" for ").append(dir).append(")");
            case ALLOWED_BY_RULE -> sb.append("allowed by ").append(match(side.allowedBy()));
            case NO_RULES -> sb.append("denied: isolated, and the selecting ")
                    .append(side.selecting().size() == 1 ? "policy has" : "policies have").append(" no ").append(dir)
                    .append(" rules");
            case NO_RULE_MATCHES_PEER -> sb.append("denied: isolated, and no ").append(dir)
                    .append(" rule matches the peer ").append(endpoint(peer));
            case NO_RULE_MATCHES_PROTOCOL -> sb.append("denied: isolated, and no ").append(dir)
                    .append(" rule that matches the peer allows ").append(e.protocol());
            case NO_RULE_MATCHES_PORT -> sb.append("denied: isolated, and no ").append(dir)
                    .append(" rule that matches the peer allows ").append(e.protocol()).append(" port ").append(e.port());
            default -> sb.append(side.passes() ? "allowed: " : "denied: ").append(side.reason().text());
        }
        if (!side.passes() && side.reason() != PolicyEvaluator.Reason.NO_RULES) {
            rules(sb, e, side);
        }
    }

    /** One line per rule of each selecting policy: what of it does not match. */
    private void rules(StringBuilder sb, Explanation e, Side side) {
        PolicyType direction = side.direction();
        for (NetworkPolicy p : side.selecting()) {
            List<Rule> rules = p.rules(direction);
            for (int r = 0; r < rules.size(); r++) {
                Rule rule = rules.get(r);
                NetworkPolicy alone = new NetworkPolicy(p.namespace(), p.name(), p.podSelector(), List.of(direction),
                        direction == PolicyType.Ingress ? List.of(rule) : List.of(),
                        direction == PolicyType.Egress ? List.of(rule) : List.of(), p.source());
                PolicyEvaluator one = new PolicyEvaluator(state.namespaces(), state.pods(), state.nodes(), List.of(alone));
                Explanation x = one.explain(e.source(), e.destination(), e.protocol(), e.port());
                Side s = direction == PolicyType.Ingress ? x.ingress() : x.egress();
                String why = switch (s.reason()) {
                    case NO_RULE_MATCHES_PEER -> "the peer does not match";
                    case NO_RULE_MATCHES_PROTOCOL -> "the peer matches; no port entry for " + e.protocol();
                    case NO_RULE_MATCHES_PORT -> "the peer matches; the port " + e.port() + " does not";
                    case ALLOWED_BY_RULE -> "matches";
                    default -> s.reason().text();
                };
                sb.append("\n    ").append(p.qualifiedName()).append(' ').append(direction == PolicyType.Ingress
                        ? "ingress" : "egress").append(" rule ").append(r).append(" (").append(rule(direction, rule))
                        .append("): ").append(why);
            }
        }
    }

    /** {@code ns/name ingress rule 0 (from[1] podSelector app=frontend, ports[0] TCP/80)}. */
    static String match(RuleMatch m) {
        Rule rule = m.policy().rules(m.direction()).get(m.rule());
        String peers = m.direction() == PolicyType.Ingress ? "from" : "to";
        return m.policy().qualifiedName() + " " + (m.direction() == PolicyType.Ingress ? "ingress" : "egress")
                + " rule " + m.rule() + " ("
                + (m.peer() < 0 ? "all peers" : peers + "[" + m.peer() + "] " + rule.peers().get(m.peer()))
                + ", " + (m.port() < 0 ? "all ports" : "ports[" + m.port() + "] " + rule.ports().get(m.port())) + ")";
    }

    /** A whole rule: {@code from podSelector pod=b or ipBlock 10.0.0.0/8; ports TCP/80 or UDP}. */
    static String rule(PolicyType direction, Rule rule) {
        String peers;
        if (rule.allPeers()) {
            peers = "all peers";
        } else {
            List<String> list = new ArrayList<>();
            rule.peers().forEach(p -> list.add(p.toString()));
            peers = (direction == PolicyType.Ingress ? "from " : "to ") + String.join(" or ", list);
        }
        String ports;
        if (rule.allPorts()) {
            ports = "all ports";
        } else {
            List<String> list = new ArrayList<>();
            rule.ports().forEach(p -> list.add(p.toString()));
            ports = "ports " + String.join(" or ", list);
        }
        return peers + "; " + ports;
    }

    private static String names(List<NetworkPolicy> policies) {
        List<String> names = new ArrayList<>();
        policies.forEach(p -> names.add(p.qualifiedName()));
        return String.join(", ", names);
    }
}

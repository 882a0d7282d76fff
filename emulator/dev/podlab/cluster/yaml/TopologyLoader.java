package dev.podlab.cluster.yaml;

import dev.podlab.cluster.model.Source;
import dev.podlab.cluster.model.Topology;
import dev.podlab.cluster.model.TopologyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Loads a lab from Kubernetes YAML: one podlab {@code Cluster} object and plain Kubernetes objects
 * (Namespace, Pod, Deployment, Service, NetworkPolicy, and Lists of them, as written by hand or as
 * {@code kubectl get -o yaml} prints them), over one or more multi-document files.
 *
 * <p>Objects are checked as the API server would check them on {@code kubectl apply}, and a
 * problem is a {@link TopologyException} whose message is one line, {@code file:line: what}, in
 * the API server's words where it has some:
 * {@code svc.yaml:12: Service default/web: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive}.
 * Objects of kinds podlab does not emulate (ConfigMap, Secret, ...) are skipped with one warning
 * per file. Namespaces {@code default} and {@code kube-system} exist without a Namespace object,
 * as in a real cluster; any other namespace must be declared (anywhere in the input).
 */
public final class TopologyLoader {
    /** The file name that means standard input. */
    public static final String STDIN = "-";
    private static final String STDIN_NAME = "<stdin>";

    private TopologyLoader() {
    }

    /** Loads {@code files} in order ({@code -} reads standard input); messages name each file as given. */
    public static Topology load(List<Path> files) {
        ObjectSet set = new ObjectSet();
        List<String> names = new ArrayList<>();
        for (Path file : files) {
            boolean stdin = file.toString().equals(STDIN);
            String name = stdin ? STDIN_NAME : file.toString();
            names.add(name);
            set.read(stdin ? readStdin() : read(file), name);
        }
        return topology(set.topology(names));
    }

    /** Loads one YAML text; {@code fileName} is what messages call it. */
    public static Topology loadString(String yaml, String fileName) {
        ObjectSet set = new ObjectSet();
        set.read(yaml, fileName);
        return topology(set.topology(List.of(fileName)));
    }

    /**
     * The Kubernetes objects of a YAML text that has no Cluster object, to apply to a running lab;
     * namespaces are those the text declares plus {@code default} and {@code kube-system}.
     */
    public static LoadedObjects objects(String yaml, String fileName) {
        return objects(yaml, fileName, Set.of());
    }

    /** As {@link #objects(String, String)}, in a lab whose namespaces are {@code existingNamespaces}. */
    public static LoadedObjects objects(String yaml, String fileName, Collection<String> existingNamespaces) {
        ObjectSet set = new ObjectSet();
        set.read(yaml, fileName);
        ObjectSet.TopologyParts p = set.objects(existingNamespaces);
        return new LoadedObjects(p.namespaces(), p.pods(), p.services(), p.networkPolicies(), p.warnings(), p.refused());
    }

    private static Topology topology(ObjectSet.TopologyParts p) {
        // A refused object does not stop the others: its error is reported with the warnings.
        List<String> warnings = new ArrayList<>(p.warnings());
        warnings.addAll(p.refused());
        return new Topology(p.cluster(), p.namespaces(), p.pods(), p.services(), p.networkPolicies(), warnings);
    }

    private static String read(Path file) {
        try {
            return decode(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new TopologyException(Source.NONE, file + ": no such file");
        } catch (IOException e) {
            throw new TopologyException(Source.NONE, file + ": " + e.getMessage());
        }
    }

    private static String readStdin() {
        try {
            InputStream in = System.in;
            return decode(in.readAllBytes(), STDIN_NAME);
        } catch (IOException e) {
            throw new TopologyException(Source.NONE, STDIN_NAME + ": " + e.getMessage());
        }
    }

    /** YAML is UTF-8 here, as for kubectl; a byte-order mark is allowed. */
    private static String decode(byte[] bytes, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new TopologyException(Source.NONE, name + ": not UTF-8 text");
        }
    }
}

package dev.podlab.testing;

import dev.podlab.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the podlab command line in-process, as a user would from a shell, and keeps what it printed. */
public final class Cli {
    /** Exit status, standard output and standard error of one run. */
    public record Result(int status, String out, String err) {
        public String[] outLines() {
            return out.isEmpty() ? new String[0] : out.split("\n", -1).length > 0
                    ? out.stripTrailing().split("\n") : new String[0];
        }

        @Override
        public String toString() {
            return "status " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {}

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int status = cmd.execute(args);
        cmd.getOut().flush();
        cmd.getErr().flush();
        return new Result(status, out.toString(), err.toString());
    }

    /** Runs with {@code stdin} as standard input (for commands reading "-"). */
    public static Result runWithInput(byte[] stdin, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(stdin));
        try {
            return run(args);
        } finally {
            System.setIn(saved);
        }
    }
}

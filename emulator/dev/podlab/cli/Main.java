package dev.podlab.cli;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code podlab} command. */
@Command(name = "podlab", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "Network lab emulator for Kubernetes pod networking.",
        subcommands = {DecodeCommand.class, ClusterCommands.ProbeCommand.class,
                ClusterCommands.MatrixCommand.class, ClusterCommands.ExplainCommand.class, ClusterCommands.ShowCommand.class,
                ClusterCommands.LabCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** What {@code --version} prints, for the command and each subcommand. */
    static final String VERSION = "podlab 0.1.0";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with podlab's error handling: one line per error, never a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            String message = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            commandLine.getErr().println("podlab " + commandLine.getCommandName() + ": internal error: "
                    + message.lines().findFirst().orElse(""));
            commandLine.getErr().println("podlab: please report this with the command line and input that caused it"
                    + " (PODLAB_DEBUG=1 prints the stack trace)");
            if (System.getenv("PODLAB_DEBUG") != null) {
                ex.printStackTrace(commandLine.getErr());
            }
            return 3;
        });
        return cmd;
    }

    public static void main(String[] args) {
        // Standard output through one large buffer: decode of a big capture prints millions of lines.
        PrintWriter out = new PrintWriter(new BufferedWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16));
        CommandLine cmd = commandLine();
        cmd.setOut(out);
        int status = cmd.execute(args);
        out.flush();
        System.exit(status);
    }
}

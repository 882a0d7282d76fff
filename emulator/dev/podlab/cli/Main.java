package dev.podlab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code podlab} command. */
@Command(name = "podlab", mixinStandardHelpOptions = true, version = "podlab 0.1.0",
        description = "Network lab emulator for Kubernetes pod networking.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}

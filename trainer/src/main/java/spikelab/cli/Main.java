package spikelab.cli;

import spikelab.run.UserError;
import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code spikelab} command line. Errors become one line on stderr and a non-zero exit. */
@Command(name = "spikelab", mixinStandardHelpOptions = true, version = "spikelab 0.1.0",
        description = "Train small transformers and measure how the FFN activation changes training stability.",
        subcommands = {TrainCommand.class, SweepCommand.class, ReportCommand.class, CompareCommand.class, GenerateCommand.class, TokenizeCommand.class, BenchCommand.class, InfoCommand.class, DetectorsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    /** Exit status for bad input. */
    public static final int USAGE = 2;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** No command given: that is a usage error, so print the usage to stderr and exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit status (tests call this instead of main). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** As {@link #run(String...)} with picocli's output and error writers given (tests). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOverwrittenOptionsAllowed(true);   // the last of a repeated option wins, as in most CLIs
        BenchCommand.dropTrainOnlyOptions(cl.getSubcommands().get("bench"));
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter w = ex.getCommandLine().getErr();
            w.println("error: " + ex.getMessage() + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            w.flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter w = cmd.getErr();
            if (ex instanceof UserError) {
                w.println("error: " + ex.getMessage());
                w.flush();
                return USAGE;
            }
            if (Boolean.getBoolean("spikelab.debug")) ex.printStackTrace(w);
            w.println("error: unexpected " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                    + " (rerun with JAVA_OPTS=-Dspikelab.debug=true for the stack trace, and please report it)");
            w.flush();
            return 1;
        });
        return cl.execute(args);
    }
}

package org.rnnlab.cli;

import org.rnnlab.RunFailure;
import org.rnnlab.UserInputException;
import org.rnnlab.train.StopRequest;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;

/**
 * The {@code rnnlab} command: parses the command line and dispatches to a subcommand.
 *
 * <p>Exit codes: 0 success, 2 usage or input error (one line on standard error), 1 internal error,
 * 3 training diverged, 4 a file could not be written (full disk); see {@link RunFailure}.
 * Nothing here touches ND4J, so {@code --help} and {@code --version} answer without loading native code.
 */
@Command(name = "rnnlab",
        mixinStandardHelpOptions = true,
        versionProvider = BuildInfoVersionProvider.class,
        description = "Train, evaluate and sample recurrent networks: PTB language models and IMDB sentiment classifiers on DL4J.",
        subcommands = {
                TrainCommand.class,
                EvalCommand.class,
                SampleCommand.class,
                ScoreCommand.class,
                PredictCommand.class,
                BenchCommand.class,
                DatasetsCommand.class,
                PlotCommand.class,
                UiCommand.class,
                AutoComplete.GenerateCompletion.class
        })
public final class Main implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Show library logging (ND4J, DL4J) and debug messages.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Print only results and errors: no progress bars or informational lines.")
    boolean quiet;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    public static void main(String[] args) {
        // Logging must be configured before any class touches Log4j, so the level flags are read
        // here, ahead of picocli (which parses them again for --help and validation).
        ConsoleLogging.configureFromArgs(args);
        String threads = ThreadsEnvironment.problem(System.getenv(ThreadsEnvironment.VARIABLE));
        if (threads != null) {
            System.err.println("rnnlab: error: " + threads);
            System.exit(EXIT_USAGE);
        }
        int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        StopRequest.commandFinished();
        System.exit(code);
    }

    /** Runs rnnlab with the given arguments and streams; returns the exit code. Used by tests. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The configured picocli command line, with rnnlab's error handling installed. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handleExecutionException);
        cl.setParameterExceptionHandler(Main::handleParameterException);
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(true);
        return cl;
    }

    private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("rnnlab: error: " + firstLine(ex.getMessage()));
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        return EXIT_USAGE;
    }

    private static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        UserInputException userError = find(ex, UserInputException.class);
        if (userError != null) {
            err.println("rnnlab: error: " + firstLine(userError.getMessage()));
            return EXIT_USAGE;
        }
        // The run log keeps every stack trace; the console gets one line (and the trace only with --verbose).
        org.apache.logging.log4j.Logger fileLog = org.apache.logging.log4j.LogManager.getLogger("rnnlab.runlog");
        RunFailure failure = find(ex, RunFailure.class);
        if (failure != null) {
            fileLog.error(failure.getMessage(), ex);
            err.println("rnnlab: error: " + firstLine(failure.getMessage()));
            if (ConsoleLogging.isVerbose()) {
                ex.printStackTrace(err);
            }
            return failure.exitCode();
        }
        fileLog.error("Internal error", ex);
        err.println("rnnlab: internal error: " + ex + " (full stack trace in " + ConsoleLogging.logFile() + ")");
        if (!ConsoleLogging.isVerbose()) {
            err.println("Run again with --verbose to see the stack trace on the console.");
        } else {
            ex.printStackTrace(err);
        }
        return EXIT_INTERNAL;
    }

    /** A user mistake or run failure may reach us wrapped by a library (a listener, a thread pool): unwrap it. */
    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        List<String> lines = message.lines().toList();
        return lines.isEmpty() ? message : lines.get(0);
    }
}

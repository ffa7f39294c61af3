package spikelab.run;

/**
 * A problem with what the user asked for. Its message is one line naming the problem and the
 * fix; the command line (spikelab.cli.Main) prints it without a stack trace and exits with status 2.
 */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}

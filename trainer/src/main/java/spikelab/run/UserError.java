package spikelab.run;

/**
 * A problem with what the user asked for. Its message is one line naming the problem and the
 * fix; the command line (spikelab.cli.Main) prints it without a stack trace and exits with status 2.
 */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean outOfMemory;

    public UserError(String message) {
        this(message, null, false);
    }

    public UserError(String message, Throwable cause) {
        this(message, cause, false);
    }

    private UserError(String message, Throwable cause, boolean outOfMemory) {
        super(message, cause);
        this.outOfMemory = outOfMemory;
    }

    /**
     * Memory ran out while the run was being built (Java heap or GPU): for a single run the same
     * one-line error, but a sweep training cells side by side may retry the cell with fewer
     * beside it, since the others' memory was part of the shortage.
     */
    public static UserError outOfMemory(String message, Throwable cause) {
        return new UserError(message, cause, true);
    }

    /** True for {@link #outOfMemory}'s errors. */
    public boolean isOutOfMemory() { return outOfMemory; }
}

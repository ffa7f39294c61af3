package spikelab.io;

/**
 * The one exception a safetensors file problem surfaces as: malformed or truncated input,
 * a missing or mismatched tensor, or a failed write. The message is a single line naming
 * the file, what is wrong, and where it makes sense, what to do about it.
 */
public class SafeTensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SafeTensorsException(String message) {
        super(message);
    }

    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}

package spikelab.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/** Turns an I/O failure into the short reason a user can act on. */
final class IoErrors {
    private IoErrors() {}

    static String describe(IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.toLowerCase(Locale.ROOT).contains("no space left")) {
            return "no space left on device (free some space or write somewhere else)";
        }
        if (e instanceof AccessDeniedException) return "permission denied: " + m;
        if (e instanceof NoSuchFileException) return "no such file or directory: " + m;
        if (e instanceof NotDirectoryException) return "not a directory: " + m;
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            FileSystemException f = (FileSystemException) e;
            return f.getReason() + ": " + f.getFile();
        }
        return m;
    }
}

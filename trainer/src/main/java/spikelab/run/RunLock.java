package spikelab.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;


/**
 * An exclusive lock on a run directory for the life of a run, so that two processes (or two
 * runs in one process, as sweep cells are) never write the same run files.
 *
 * <p>The lock is {@link FileChannel#tryLock()} on {@code DIR/.lock}, which the operating system
 * releases when the process ends however it ends, so a killed run never leaves a stale lock.
 * The file holds the holder's pid, host and start time for the message the next one gets; it is
 * left in place, since deleting a lock file races with a process that just opened it.
 * A JVM cannot take a file lock twice ({@link OverlappingFileLockException}), so locks held by
 * this process are also kept in a map and a second taker in the same process gets the same line.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".lock";
    private static final Map<Path, RunLock> HELD = new ConcurrentHashMap<>();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private final String holder;

    private RunLock(Path key, FileChannel channel, FileLock lock, String holder) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
    }

    /**
     * Locks {@code dir} (which must exist) or throws a {@link UserError} naming the holder.
     */
    public static RunLock acquire(Path dir) {
        Path file = dir.resolve(FILE);
        Path key;
        try {
            key = dir.toRealPath().resolve(FILE);
        } catch (IOException e) {
            throw new UserError("cannot lock the run directory " + dir + ": " + AtomicFiles.describe(e));
        }
        String me = describeSelf();
        RunLock mine = new RunLock(key, null, null, me);
        RunLock other = HELD.putIfAbsent(key, mine);
        if (other != null) throw busy(dir, other.holder);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                String who = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
                throw busy(dir, who.isEmpty() ? "another process (it has not yet written its name)" : who);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            RunLock held = new RunLock(key, ch, l, me);
            HELD.put(key, held);
            return held;
        } catch (IOException | RuntimeException e) {
            HELD.remove(key, mine);
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the lock was not ours; nothing to release
                }
            }
            if (e instanceof UserError) throw (UserError) e;
            if (e instanceof IOException) {
                throw new UserError("cannot lock the run directory " + dir + ": " + AtomicFiles.describe((IOException) e));
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * Who holds {@code dir}'s lock now ("pid 1234 on host since ..."), or null when no run holds
     * it. Only looks: the lock file is neither created nor written, and a free lock is released
     * at once.
     */
    public static String holder(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return null;
        try {
            RunLock mine = HELD.get(dir.toRealPath().resolve(FILE));
            if (mine != null) return mine.holder;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock l = ch.tryLock();
                if (l != null) {
                    l.release();
                    return null;
                }
            }
            String who = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
            return who.isEmpty() ? "another process" : who;
        } catch (IOException | OverlappingFileLockException e) {
            return null;   // cannot tell: reported as not running, and a real start would say more
        }
    }

    private static UserError busy(Path dir, String holder) {
        return new UserError("run directory " + dir + " is in use by " + holder
                + ": wait for that run to end (or stop it), or choose another --out");
    }

    /** "pid 1234 on host since 2026-12-04T15:10:50Z" (the time the run took the lock). */
    static String describeSelf() {
        return "pid " + ProcessHandle.current().pid() + " on " + hostName() + " since "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    /** The host name without a DNS look-up, which can stall for seconds on a badly configured machine. */
    private static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).trim();
            if (!h.isEmpty()) return h;
        } catch (IOException | RuntimeException notLinux) {
            // fall through
        }
        String h = System.getenv("HOSTNAME");
        if (h == null) h = System.getenv("COMPUTERNAME");
        return h == null || h.isBlank() ? "this host" : h;
    }

    @Override
    public void close() {
        HELD.remove(key, this);
        try {
            if (lock != null) lock.release();
            if (channel != null) channel.close();
        } catch (IOException ignored) {
            // closing the channel releases the lock anyway; the process end does too
        }
    }
}

package spikelab.cuda;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

/**
 * Serialises the first load of JCuda's native libraries across processes.
 *
 * <p>JCuda copies each native library out of its jar to {@code java.io.tmpdir} under a fixed
 * name, and only when that file does not exist yet. Two processes starting together (the shards
 * of a parallel sweep, {@code bench --runs}) can therefore see the file the other is still
 * writing and load half a library: seen on an H200 as a SIGBUS in the dynamic loader of one of
 * six sweep processes. Holding an exclusive lock on one file in the same directory while the
 * natives are written and loaded means a process only ever sees a complete library. Threads of
 * one process queue on the class instead: a JVM cannot hold one file lock twice.
 */
public final class NativeLoadLock {
    private NativeLoadLock() {}

    /** Runs {@code load} under the lock; without a usable temporary directory, runs it anyway. */
    public static synchronized <T> T around(Supplier<T> load) {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "spikelab-jcuda-natives.lock");
        FileChannel ch;
        FileLock lock;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            // a read-only temporary directory also stops JCuda's own copy, which then says why
            return load.get();
        }
        try (ch) {
            try {
                lock = ch.lock();
            } catch (IOException e) {
                return load.get();
            }
            try {
                return load.get();
            } finally {
                try {
                    lock.release();
                } catch (IOException e) {
                    // closing the channel releases it too
                }
            }
        } catch (IOException closing) {
            throw new IllegalStateException("cannot close " + file, closing);
        }
    }
}

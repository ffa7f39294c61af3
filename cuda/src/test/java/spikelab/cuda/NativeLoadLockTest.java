package spikelab.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The lock around JCuda's first native load: held while loading, released after, one loader at a time. */
class NativeLoadLockTest {
    private static final Path FILE = Path.of(System.getProperty("java.io.tmpdir"), "spikelab-jcuda-natives.lock");

    @Test
    void theFileIsLockedWhileLoadingAndFreeAfterwards() throws IOException {
        // inside: this process holds the lock, so this JVM cannot take it again
        String inside = NativeLoadLock.around(() -> {
            try (FileChannel ch = FileChannel.open(FILE, StandardOpenOption.WRITE)) {
                ch.tryLock();
                return "free";
            } catch (java.nio.channels.OverlappingFileLockException held) {
                return "held";
            } catch (IOException e) {
                return e.toString();
            }
        });
        assertEquals("held", inside);
        try (FileChannel ch = FileChannel.open(FILE, StandardOpenOption.WRITE); FileLock l = ch.tryLock()) {
            assertNotNull(l, "released after the load");
        }
    }

    @Test
    void threadsLoadOneAtATime() throws InterruptedException {
        AtomicInteger inside = new AtomicInteger(), most = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            new Thread(() -> {
                NativeLoadLock.around(() -> {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return inside.decrementAndGet();
                });
                done.countDown();
            }).start();
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(1, most.get());
    }

    @Test
    void aFailingLoadStillReleasesTheLock() throws IOException {
        assertThrows(UnsatisfiedLinkError.class, () -> NativeLoadLock.around(() -> {
            throw new UnsatisfiedLinkError("no libcuda here");
        }));
        try (FileChannel ch = FileChannel.open(FILE, StandardOpenOption.WRITE); FileLock l = ch.tryLock()) {
            assertNotNull(l);
        }
    }
}

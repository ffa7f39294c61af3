package spikelab.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/** The fence's ordering, on plain threads: it needs no GPU. */
class CaptureFenceTest {

    @Test
    void aDeviceWideCallWaitsForTheRecordingInFlight() throws Exception {
        CountDownLatch recordingStarted = new CountDownLatch(1);
        CountDownLatch finishRecording = new CountDownLatch(1);
        AtomicBoolean recordingDone = new AtomicBoolean();
        AtomicBoolean freedDuringRecording = new AtomicBoolean();
        Thread recorder = new Thread(() -> CaptureFence.recording(() -> {
            recordingStarted.countDown();
            try {
                finishRecording.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            recordingDone.set(true);
            return null;
        }));
        recorder.start();
        assertTrue(recordingStarted.await(10, TimeUnit.SECONDS));

        CountDownLatch freed = new CountDownLatch(1);
        Thread freer = new Thread(() -> CaptureFence.deviceWide(() -> {
            freedDuringRecording.set(!recordingDone.get());
            freed.countDown();
        }));
        freer.start();
        assertFalse(freed.await(200, TimeUnit.MILLISECONDS), "the free ran while a recording was in flight");
        finishRecording.countDown();
        assertTrue(freed.await(10, TimeUnit.SECONDS));
        recorder.join();
        freer.join();
        assertFalse(freedDuringRecording.get());
    }

    @Test
    void recordingsOnSeveralThreadsOverlap() throws Exception {
        CountDownLatch bothInside = new CountDownLatch(2);
        Runnable record = () -> CaptureFence.recording(() -> {
            bothInside.countDown();
            try {
                return bothInside.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        Thread a = new Thread(record), b = new Thread(record);
        a.start();
        b.start();
        a.join();
        b.join();
        assertEquals(0, bothInside.getCount(), "one recording waited for the other");
    }

    @Test
    void aDeviceWideCallInsideARecordingFailsInsteadOfWaitingForever() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CaptureFence.recording(() -> CaptureFence.deviceWide(() -> 1)));
        assertTrue(e.getMessage().contains("run without --cuda-graphs"), e.getMessage());
        // and the fence is free again afterwards
        assertEquals(2, CaptureFence.deviceWide(() -> 2));
    }
}

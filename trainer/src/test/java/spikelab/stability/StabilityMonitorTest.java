package spikelab.stability;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class StabilityMonitorTest {
    @Test
    void nanEndsTheRunAsDivergedAtThatStep() {
        StabilityMonitor m = new StabilityMonitor(65, 20, 100, 6, 10);
        Random r = new Random(3);
        StabilityMonitor.StepFlags f = null;
        int step;
        for (step = 1; step <= 500; step++) {
            double loss = step == 257 ? Double.NaN : 3.0 - step * 1e-3 + 0.01 * r.nextGaussian();
            double grad = step == 257 ? Double.NaN : 0.5 + 0.01 * r.nextGaussian();
            f = m.observe(step, loss, grad);
            if (f.diverged) break;                                     // what the trainer does
        }
        assertEquals(257, step);
        assertTrue(f.diverged);
        assertTrue(f.explosion, "a NaN gradient norm is an explosion");
        assertFalse(f.lossSpike);
        assertEquals(List.of(Event.EXPLOSION, Event.DIVERGENCE), types(f.events));
        Event div = f.events.get(1);
        assertEquals(257, div.step());
        assertEquals("{\"step\":257,\"type\":\"divergence\",\"value\":\"NaN\",\"threshold\":" + (Math.log(65) + 1) + "}",
                div.toJson().toString());
        StabilityMonitor.Summary s = m.summary();
        assertTrue(s.diverged());
        assertEquals(257, s.divergedStep);
        assertEquals(0, s.lossSpikes);
        assertEquals(1, s.explosions);
        assertEquals(156, s.lossEligible);                              // steps 101..256
    }

    @Test
    void plantedSpikesProduceEventsFlagsAndScores() {
        StabilityMonitor m = new StabilityMonitor(65, 10, 100, 6, 10);
        Random r = new Random(5);
        List<Event> all = new ArrayList<>();
        int lossSpikeFlags = 0, gradSpikeFlags = 0, explosionFlags = 0;
        for (int step = 1; step <= 300; step++) {
            double loss = 2.0 + 0.01 * r.nextGaussian() + (step == 150 ? 0.5 : 0);
            double grad = 0.3 + 0.005 * r.nextGaussian() + (step == 220 ? 10 : 0);
            StabilityMonitor.StepFlags f = m.observe(step, loss, grad);
            assertFalse(f.diverged);
            all.addAll(f.events);
            if (f.lossSpike) lossSpikeFlags++;
            if (f.gradSpike) gradSpikeFlags++;
            if (f.explosion) explosionFlags++;
        }
        assertEquals(List.of(Event.LOSS_SPIKE, Event.GRAD_SPIKE, Event.EXPLOSION), types(all));
        assertEquals(150, all.get(0).step());
        assertEquals(220, all.get(1).step());
        assertEquals(220, all.get(2).step());
        assertEquals(List.of("mean", "std", "threshold"), new ArrayList<>(all.get(0).stats().keySet()));
        assertEquals(List.of("median", "threshold"), new ArrayList<>(all.get(2).stats().keySet()));
        Event spike = all.get(0);
        assertEquals(spike.stats().get("mean") + 6 * spike.stats().get("std"), spike.stats().get("threshold"), 1e-12);
        assertTrue(spike.value() > spike.stats().get("threshold"));
        assertEquals(1, lossSpikeFlags);
        assertEquals(1, gradSpikeFlags);
        assertEquals(1, explosionFlags);

        JsonObject o = new JsonObject();
        m.summary().addTo(o);
        assertEquals(1, o.get("loss_spikes").getAsInt());
        assertEquals(1, o.get("grad_spikes").getAsInt());
        assertEquals(1, o.get("explosions").getAsInt());
        assertEquals(1.0 / 200, o.get("loss_spike_score").getAsDouble(), 0);
        assertEquals(1.0 / 200, o.get("grad_spike_score").getAsDouble(), 0);
        assertEquals(200, o.get("loss_spike_eligible_steps").getAsInt());
    }

    @Test
    void divergenceIsReportedOnceWhenTrainingContinues() {
        StabilityMonitor m = new StabilityMonitor(16, 0, 10, 6, 10);
        assertEquals(1, m.observe(1, 100, 1).events.size());
        StabilityMonitor.StepFlags f = m.observe(2, 100, 1);
        assertTrue(f.diverged);
        assertTrue(f.events.isEmpty());
        assertEquals(1, m.summary().divergedStep);
        assertThrows(IllegalArgumentException.class, () -> m.observe(2, 1, 1));
    }

    private static List<String> types(List<Event> events) {
        List<String> t = new ArrayList<>();
        for (Event e : events) t.add(e.type());
        return t;
    }
}

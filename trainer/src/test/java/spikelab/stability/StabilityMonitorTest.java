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
        StabilityMonitor m = new StabilityMonitor(new StabilityMonitor.Settings(65, 20, 10, "meanstd", 100, 6, 10, 500));
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
        assertEquals("{\"step\":257,\"type\":\"divergence\",\"value\":\"NaN\",\"threshold\":" + (Math.log(65) + 1) + ",\"streak\":0}",
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
        StabilityMonitor m = new StabilityMonitor(new StabilityMonitor.Settings(65, 10, 10, "meanstd", 100, 6, 10, 300));
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
        assertEquals("meanstd", o.get("spike_rule").getAsString());
        assertEquals(0, o.get("loss_above_bound_steps").getAsInt());
    }

    @Test
    void aBadBatchIsAnEventAndKInARowADivergenceReportedOnce() {
        StabilityMonitor m = new StabilityMonitor(new StabilityMonitor.Settings(16, 0, 3, "robust", 10, 6, 10, 100));
        double bound = Math.log(16) + 1;
        StabilityMonitor.StepFlags f = m.observe(1, 100, 1);
        assertFalse(f.diverged, "one bad batch does not end the run");
        assertEquals(List.of(Event.LOSS_ABOVE_BOUND), types(f.events));
        assertEquals(1.0, f.events.get(0).stats().get("streak"));
        assertEquals(bound, f.events.get(0).stats().get("threshold"));
        assertTrue(m.observe(2, 1, 1).events.isEmpty());
        assertFalse(m.observe(3, 100, 1).diverged);
        assertFalse(m.observe(4, 100, 1).diverged);
        f = m.observe(5, 100, 1);
        assertTrue(f.diverged);
        assertEquals(List.of(Event.DIVERGENCE), types(f.events));
        assertEquals(3.0, f.events.get(0).stats().get("streak"));
        f = m.observe(6, 100, 1);                                      // --continue-on-divergence
        assertFalse(f.diverged, "declared once");
        assertEquals(List.of(Event.LOSS_ABOVE_BOUND), types(f.events));
        assertEquals(5, m.summary().divergedStep);
        JsonObject o = new JsonObject();
        m.summary().addTo(o);
        assertEquals(5, o.get("loss_above_bound_steps").getAsInt());
        assertEquals("robust", o.get("spike_rule").getAsString());
        assertThrows(IllegalArgumentException.class, () -> m.observe(6, 1, 1));
    }

    private static List<String> types(List<Event> events) {
        List<String> t = new ArrayList<>();
        for (Event e : events) t.add(e.type());
        return t;
    }
}

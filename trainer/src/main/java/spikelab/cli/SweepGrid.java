package spikelab.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import spikelab.backend.Precision;
import spikelab.model.Activation;
import spikelab.report.RunData;
import spikelab.run.UserError;

/**
 * A sweep's grid: the axes as given on the command line, checked, and expanded into cells in
 * the order they run. A cell's name is its run directory, so it must stay stable: settings at
 * their defaults add nothing to it.
 */
final class SweepGrid {
    private SweepGrid() {}

    /** One point of the grid. */
    static final class Cell {
        final String activation;
        final int layers;
        final long seed;
        final double lr, zLoss;
        final boolean qkNorm;
        final Precision precision;

        Cell(String activation, int layers, long seed, double lr, boolean qkNorm, double zLoss, Precision precision) {
            this.precision = precision;
            this.activation = activation;
            this.layers = layers;
            this.seed = seed;
            this.lr = lr;
            this.qkNorm = qkNorm;
            this.zLoss = zLoss;
        }

        /** qk-norm, z-loss and precision appear only when not the default, so sweeps from before those axes keep their cell names. */
        String name() {
            return activation + "-L" + layers + "-s" + seed + "-lr" + RunData.lrLabel(lr) + (qkNorm ? "-qk" : "")
                    + (zLoss == 0 ? "" : "-z" + RunData.lrLabel(zLoss)) + (precision == Precision.FP32 ? "" : "-" + precision.cliName());
        }
    }

    /** The one check of an --lrs list, for sweep and report alike. */
    static void checkLrs(List<Double> lrs) {
        for (double lr : lrs) {
            if (!(lr > 0) || !Double.isFinite(lr)) throw new UserError("--lrs must be positive finite numbers, got " + lr + ": use e.g. --lrs 1e-3,3e-3");
        }
    }

    /** Seed outermost, so a sweep stopped early already covers every activation × depth × lr once. */
    static List<Cell> cells(List<String> activations, List<Integer> depths, List<Long> seeds, List<Double> lrs,
                            List<String> qkNorms, List<Double> zLosses, List<String> precisions) {
        if (activations.isEmpty() || depths.isEmpty() || seeds.isEmpty() || lrs.isEmpty()) {
            throw new UserError("--activations, --depths, --seeds and --lrs each need at least one value");
        }
        List<String> acts = new ArrayList<>();
        for (String a : new LinkedHashSet<>(activations)) {
            try {
                acts.add(Activation.parse(a).cliName());
            } catch (IllegalArgumentException e) {
                throw new UserError("--activations: " + e.getMessage());
            }
        }
        for (int d : depths) if (d < 1) throw new UserError("--depths must be positive, got " + d);
        checkLrs(lrs);
        if (qkNorms.isEmpty() || zLosses.isEmpty() || precisions.isEmpty()) {
            throw new UserError("--qk-norms, --z-losses and --precisions each need at least one value");
        }
        List<Precision> precs = new ArrayList<>();
        for (String p : precisions) {
            try {
                Precision v = Precision.parse(p);
                if (!precs.contains(v)) precs.add(v);
            } catch (IllegalArgumentException e) {
                throw new UserError("--precisions: " + e.getMessage() + " (e.g. --precisions fp32,bf16)");
            }
        }
        List<Boolean> qks = new ArrayList<>();
        for (String q : qkNorms) {
            String v = q.trim().toLowerCase(java.util.Locale.ROOT);
            if (!v.equals("off") && !v.equals("on")) throw new UserError("--qk-norms takes off and/or on, got '" + q + "': use e.g. --qk-norms off,on");
            if (!qks.contains(v.equals("on"))) qks.add(v.equals("on"));
        }
        for (double z : zLosses) {
            if (!(z >= 0) || !Double.isFinite(z)) throw new UserError("--z-losses must be 0 (off) or positive, got " + z + ": use e.g. --z-losses 0,1e-4");
        }
        List<Cell> cells = new ArrayList<>();
        for (long s : new LinkedHashSet<>(seeds)) {
            for (double lr : new LinkedHashSet<>(lrs)) {
                for (int d : new LinkedHashSet<>(depths)) {
                    for (boolean qk : qks) {
                        for (double z : new LinkedHashSet<>(zLosses)) {
                            for (Precision p : precs) {
                                for (String a : new LinkedHashSet<>(acts)) cells.add(new Cell(a, d, s, lr, qk, z, p));
                            }
                        }
                    }
                }
            }
        }
        return cells;
    }

}

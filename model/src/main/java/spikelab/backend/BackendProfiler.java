package spikelab.backend;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Wall time per backend operation, for {@code spikelab bench --profile}: a {@link Backend} that
 * forwards every call to another one and, while {@link #enabled}, adds the call's duration to
 * the op's total. Matrix products are keyed by their shape as well ("gemm NT 2048x384x128"),
 * since one step runs the same op on very different shapes. On an asynchronous backend every
 * timed call is followed by {@link Backend#synchronize()}, so the times are each op's own at
 * the cost of the overlap a real step has; the profile's total is therefore an upper bound
 * there, and close to the step on the CPU.
 */
public final class BackendProfiler implements InvocationHandler {
    /** One op's totals. */
    public record Entry(String op, long calls, long nanos) {}

    private final Backend target;
    private final Map<String, long[]> totals = new LinkedHashMap<>();
    private volatile boolean enabled;

    private BackendProfiler(Backend target) {
        this.target = target;
    }

    /** A backend that times {@code target}'s calls, and its profile. */
    public static BackendProfiler wrap(Backend target) {
        return new BackendProfiler(target);
    }

    /** The timing view of the wrapped backend; build the model on this one. */
    public Backend backend() {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, this);
    }

    /** Start or stop adding calls to the profile (off at first, so warm-up is not counted). */
    public void enable(boolean on) {
        enabled = on;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "profiling(" + target.name() + ")";
            };
        }
        if (method.getName().equals("replay")) {
            // the ops of a replayed body are profiled one by one, each synchronised, so they are
            // never recorded as a graph (which could not contain the synchronisations anyway)
            ((Runnable) args[1]).run();
            return null;
        }
        if (!enabled || method.getName().equals("synchronize")) return call(method, args);
        target.synchronize();
        long t0 = System.nanoTime();
        Object result = call(method, args);
        target.synchronize();
        long dt = System.nanoTime() - t0;
        String key = key(method, args);
        synchronized (totals) {
            long[] t = totals.computeIfAbsent(key, k -> new long[2]);
            t[0]++;
            t[1] += dt;
        }
        return result;
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    // gemm(transA, transB, m, n, k, ...): the transposes and the shape tell the step's products apart
    private static String key(Method method, Object[] args) {
        if (!method.getName().equals("gemm")) return method.getName();
        return String.format(Locale.ROOT, "gemm %s%s %dx%dx%d", (Boolean) args[0] ? "T" : "N", (Boolean) args[1] ? "T" : "N",
                args[2], args[3], args[4]);
    }

    /** The ops seen so far, most time first. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        synchronized (totals) {
            totals.forEach((k, v) -> out.add(new Entry(k, v[0], v[1])));
        }
        out.sort((a, b) -> Long.compare(b.nanos(), a.nanos()));
        return out;
    }

    /**
     * A table of the profile: per op the calls and milliseconds per step, its share of the
     * profiled time, and for products the GFLOP/s they reached.
     */
    public String table(int steps) {
        List<Entry> es = entries();
        long total = 0;
        for (Entry e : es) total += e.nanos();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-36s %8s %10s %7s %9s%n", "op", "calls", "ms/step", "share", "GFLOP/s"));
        for (Entry e : es) {
            String rate = "";
            if (e.op().startsWith("gemm ")) {
                String[] mnk = e.op().substring(8).split("x");
                double flop = 2.0 * Long.parseLong(mnk[0]) * Long.parseLong(mnk[1]) * Long.parseLong(mnk[2]) * e.calls();
                rate = String.format(Locale.ROOT, "%.1f", flop / e.nanos());
            }
            sb.append(String.format(Locale.ROOT, "%-36s %8.1f %10.3f %6.1f%% %9s%n", e.op(), (double) e.calls() / steps,
                    e.nanos() / 1e6 / steps, 100.0 * e.nanos() / Math.max(1, total), rate));
        }
        sb.append(String.format(Locale.ROOT, "%-36s %8s %10.3f%n", "total", "", total / 1e6 / steps));
        return sb.toString();
    }
}

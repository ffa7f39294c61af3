package spikelab.backend.cpu;

import java.util.Locale;
import java.util.function.Supplier;

/** Picks a kernel's Vector API implementation when the JVM has jdk.incubator.vector. */
final class VectorKernels {
    private VectorKernels() {}

    /**
     * An instance of {@code vectorClass} (by name, so that it, and the incubator module, are
     * only linked when present), or {@code plain} when the module is missing, the class fails
     * to link, or the system property {@code property} is "scalar" (for comparisons).
     */
    static <T> T choose(String property, String vectorClass, Class<T> type, Supplier<T> plain) {
        return choose(property, vectorClass, type, plain, new Class<?>[0]);
    }

    /** As above, through vectorClass's constructor with these parameter types and arguments. */
    static <T> T choose(String property, String vectorClass, Class<T> type, Supplier<T> plain,
                        Class<?>[] parameterTypes, Object... args) {
        if (!forcedScalar(property) && modulePresent()) {
            try {
                return type.cast(Class.forName(vectorClass).getDeclaredConstructor(parameterTypes).newInstance(args));
            } catch (ReflectiveOperationException | LinkageError e) {
                return plain.get();
            }
        }
        return plain.get();
    }

    /** True when the JVM was started with jdk.incubator.vector. */
    static boolean modulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** True when the system property {@code property} asks for the plain-Java kernel. */
    static boolean forcedScalar(String property) {
        return System.getProperty(property, "").toLowerCase(Locale.ROOT).equals("scalar");
    }
}

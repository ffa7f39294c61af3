package spikelab.backend.cpu;

import spikelab.backend.Buffer;

/** Heap float storage for the CPU backend. */
final class CpuBuffer implements Buffer {
    final float[] data;

    CpuBuffer(int n) { data = new float[n]; }

    @Override public long length() { return data.length; }
}

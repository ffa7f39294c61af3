package spikelab.backend.cpu;

import spikelab.backend.IntBuffer;

/** Heap int storage for token ids. */
final class CpuIntBuffer implements IntBuffer {
    final int[] data;

    CpuIntBuffer(int n) { data = new int[n]; }

    @Override public int length() { return data.length; }
}

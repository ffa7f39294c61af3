package spikelab.cuda.matmul;

import jcuda.Pointer;

/**
 * The numeric device address of a JCuda pointer (base plus byte offset). JCuda keeps both
 * protected; the copy constructor of a subclass is the one sanctioned way to read them. Used
 * only to decide whether 16-byte vector loads are legal.
 */
final class DeviceAddress extends Pointer {
    private DeviceAddress(Pointer p) {
        super(p);
    }

    static long of(Pointer p) {
        DeviceAddress d = new DeviceAddress(p);
        return d.getNativePointer() + d.getByteOffset();
    }
}

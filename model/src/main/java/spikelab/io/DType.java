package spikelab.io;

/**
 * Element types of the safetensors format, spelled as the format spells them. All are
 * little-endian on disk. Only F32, I32, I64 and U8 can be read into Java arrays here; the
 * others are recognised so that a file written by another tool is described, not rejected
 * as garbage.
 */
public enum DType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Bytes per element. */
    public int bytes() { return bytes; }

    /** The enum constant for a header string, or null if the format has no such dtype. */
    static DType fromHeader(String s) {
        for (DType d : values()) {
            if (d.name().equals(s)) return d;
        }
        return null;
    }
}

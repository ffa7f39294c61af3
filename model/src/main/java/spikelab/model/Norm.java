package spikelab.model;

import java.util.Locale;

/** Where LayerNorm sits in a block. */
public enum Norm {
    /** x + sublayer(LN(x)): the stable default. */
    PRE,
    /** LN(x + sublayer(x)): the original transformer, the classic depth-instability case. */
    POST;

    public static Norm parse(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "pre": return PRE;
            case "post": return POST;
            default: throw new IllegalArgumentException("unknown norm '" + s + "': use pre or post");
        }
    }

    public String cliName() { return name().toLowerCase(Locale.ROOT); }
}

package spikelab.train;

import spikelab.cli.UserError;
import spikelab.data.Datasets;
import spikelab.data.TokenDataset;

/** Turns --data/--tokenizer into a dataset, with data errors as one-line user errors. */
public final class DataLoading {
    private DataLoading() {}

    public static TokenDataset load(TrainOptions opt) {
        try {
            TokenDataset d = opt.data == null ? Datasets.builtin(opt.dataSeed, opt.tokenizer)
                    : Datasets.fromFile(opt.data, opt.tokenizer);
            d.requireContext(opt.context);
            return d;
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}

package spikelab.train;

import spikelab.run.UserError;
import spikelab.data.Datasets;
import spikelab.data.TokenDataset;

/** Turns --data/--tokenizer into a dataset, with data errors as one-line user errors. */
public final class DataLoading {
    private DataLoading() {}

    public static TokenDataset load(TrainOptions opt) {
        try {
            TokenDataset d = Datasets.open(opt.data, opt.tokenizer, opt.dataSeed);
            d.requireContext(opt.context);
            return d;
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}

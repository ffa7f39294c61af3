package spikelab.train;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import ai.djl.training.util.ProgressBar;
import com.google.gson.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import spikelab.backend.Backend;
import spikelab.backend.Tensor;
import spikelab.run.UserError;
import spikelab.data.BatchSampler;
import spikelab.data.TokenDataset;
import spikelab.model.ModelConfig;
import spikelab.model.Transformer;
import spikelab.optim.AdamW;
import spikelab.optim.LrSchedule;
import spikelab.run.Json;
import spikelab.run.RunLock;
import spikelab.run.RunWriter;
import spikelab.cuda.GpuOutOfMemory;

/**
 * One training run: loads data, builds the model on the chosen backend, trains, measures every
 * step, and writes the run directory. Everything that can be wrong with the request is checked
 * before the directory is created, so bad input leaves nothing behind.
 */
public final class Trainer {
    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    private final TrainOptions opt;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile boolean signalled;

    public Trainer(TrainOptions opt) {
        this.opt = opt;
    }

    /** Asks the loop to stop after the current step, as Ctrl-C does. */
    public void requestStop() { stopRequested.set(true); }

    /** Whether a signal (Ctrl-C, kill) stopped the run, as opposed to --stop-after or the end. */
    public boolean signalled() { return signalled; }

    /** Runs to completion (or divergence, or interruption) and returns the summary written. */
    @SuppressWarnings("try")   // the lock and the clean-up are held for their scope, not referenced
    public JsonObject run() {
        boolean resume = opt.resume != null;
        if (resume) CheckpointResume.applyRunConfig(opt, opt::given);
        opt.validate();
        // A first look before the data is read: the vocabulary only adds to the estimate, so a
        // model too large with one symbol is refused at once (the full check follows below).
        MemoryEstimate first = MemoryEstimate.of(opt.modelConfig(1), opt.batch, opt.precision());
        if (Devices.isCuda(opt.device)) {
            first.requireFits(false);
        } else {
            try {
                first.requireFits(true);
            } catch (UserError tooLargeForTheCpu) {
                // --device auto on a machine with a usable GPU is judged once the GPU is open
                if (opt.device.equals("cpu") || Devices.cudaUnavailableReason() != null) throw tooLargeForTheCpu;
            }
        }
        TokenDataset data = DataLoading.load(opt);
        ModelConfig cfg = opt.modelConfig(data.tokenizer().vocabSize());
        Path dir = opt.out != null ? opt.out : Path.of("runs", opt.defaultName());
        if (resume) CheckpointResume.checkResumable(dir, opt);
        else RunWriter.checkUsable(dir);

        MemoryEstimate mem = MemoryEstimate.of(cfg, opt.batch, opt.precision());
        if (opt.device.equals("cpu")) mem.requireFits(true);   // before anything is allocated or opened

        // the lock before the backend and the model: a second run on this directory is refused at
        // once, and nothing in it is read for resuming or written before the lock is held
        boolean created = !resume && RunWriter.prepare(dir);
        try (RunLock lock = RunLock.acquire(dir);
             Cleanup unused = () -> { if (created) RunWriter.removeIfUnused(dir); };   // a new run that failed early
             Backend be = Devices.open(opt.device, opt.threads(), opt.precision(), opt.cudaGraphs)) {
            boolean cpu = be instanceof spikelab.backend.cpu.CpuBackend;
            mem.requireFits(cpu);
            Transformer model;
            AdamW adam;
            try {
                model = new Transformer(be, cfg, opt.batch, opt.seed);
                adam = new AdamW(model, (float) opt.beta1, (float) opt.beta2, 1e-8f, (float) opt.weightDecay);
            } catch (OutOfMemoryError e) {
                throw UserError.outOfMemory("out of memory building the model (estimated " + MemoryEstimate.gib(mem.cpuHeapBytes())
                        + " of heap, the JVM may use " + MemoryEstimate.gib(Runtime.getRuntime().maxMemory())
                        + "): shrink --batch, --context, --d-model or --layers", e);
            } catch (IllegalStateException e) {
                if (cpu || !(e instanceof GpuOutOfMemory)) throw e;
                throw UserError.outOfMemory(mem.gpuOutOfMemory(e.getMessage()), e);
            }
            model.setZLoss((float) opt.zLoss);
            LrSchedule schedule = new LrSchedule((float) opt.lr, (float) opt.minLr, opt.warmup, opt.steps);
            log.info("model: {}", cfg);
            log.info("data: {}", data.description());
            log.info("device: {}", be.name());
            CheckpointDir.clean(dir);
            return train(dir, resume, cfg, data, model, adam, schedule);
        }
    }

    /** A try-with-resources step that throws nothing; resources close in reverse, so this runs with the lock held. */
    private interface Cleanup extends AutoCloseable {
        @Override
        void close();
    }

    private JsonObject train(Path dir, boolean resume, ModelConfig cfg, TokenDataset data, Transformer model, AdamW adam,
                             LrSchedule schedule) {
        // before the interrupt hook, whose removal is only guaranteed from the try below
        Checkpointing ckpt = new Checkpointing(opt, dir, model, adam, data.tokenizer().spec());
        Checkpoint.State resumed = null;
        if (resume) {
            resumed = ckpt.resume();
            if (resumed.step() >= opt.steps) {
                throw new UserError("run " + dir + " is already complete (step " + resumed.step() + " of " + opt.steps + "): nothing to resume");
            }
            CheckpointResume.trimRunFiles(dir, resumed.step());
        }

        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            signalled = true;
            stopRequested.set(true);
            try {
                finished.await(60, TimeUnit.SECONDS);   // let the loop write what it measured
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "spikelab-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        try (RunWriter out = resume ? RunWriter.append(dir) : RunWriter.create(dir)) {
            JsonObject config = opt.toJson();
            config.addProperty("name", dir.getFileName().toString());
            config.addProperty("vocab_size", cfg.vocabSize());
            config.addProperty("parameter_count", cfg.parameterCount());
            config.addProperty("hidden", cfg.hidden());
            config.addProperty("tokenizer_spec", spikelab.data.Tokenizers.label(data.tokenizer().spec()));
            config.addProperty("data_description", data.description());
            Json.put(config, "entropy_floor_nats", data.entropyFloorNats());
            if (!resume) out.writeConfig(config);
            TrainLoop loop = new TrainLoop(opt, data, model, adam, schedule, out, stopRequested, ckpt, resumed);
            JsonObject summary = loop.run();
            summary.addProperty("name", dir.getFileName().toString());
            out.writeSummary(summary);
            log.info("run written to {}", dir);
            return summary;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running: it only waited for us
            }
        }
    }
}

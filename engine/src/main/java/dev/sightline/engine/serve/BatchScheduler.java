package dev.sightline.engine.serve;

import dev.sightline.engine.Engine;
import dev.sightline.engine.Generation;
import dev.sightline.engine.generate.GenerationResult;
import dev.sightline.engine.model.KvCache;
import dev.sightline.engine.model.LongRope;
import dev.sightline.engine.model.PrefixCache;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Continuous batching: one thread owns the model and, step after step,
 * <ol>
 *   <li>drops waiting requests whose client has gone, and admits waiting ones while the batch has
 *       room and their KV cache fits the budget, the caller with the fewest running first (so one
 *       key cannot hold every slot while others wait);</li>
 *   <li>samples one token for every sequence whose logits are ready;</li>
 *   <li>runs one forward ({@code Phi3VModel.step}) over a row for each of those sequences plus
 *       chunks of the admitted prompts (oldest first, up to {@code prefillChunk} positions; a
 *       prompt's images go through the vision tower first, one crop per step). Its matrix products read each weight once for all rows:
 *       decodes share the weights' reads, and a long prompt holds the streams back by one chunk
 *       per step, not by its whole prefill.</li>
 * </ol>
 * A request beyond the queue is refused at once. Sampling, stops and cancellation are each
 * sequence's own ({@link Generation}), the same code a single {@link Engine#generate} runs.
 */
public final class BatchScheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BatchScheduler.class.getName());

    /**
     * @param maxBatch      sequences decoded together (admitted, prefilling or decoding)
     * @param queueSize     requests waiting beyond those
     * @param prefillChunk  prompt positions prefilled per step while others decode
     * @param kvBudgetBytes KV cache the admitted sequences may reserve together (each reserves its
     *                      prompt plus max_tokens); a lone request is admitted whatever its size
     * @param reusePrefixes keep finished sequences' caches in the same budget ({@link PrefixCache}),
     *                      so later prompts that begin the same way skip that part of the prefill
     * @param maxQueueWait  a request still waiting after this long fails with {@link QueueWaitException}
     *                      (its client has likely given up; zero: no limit)
     */
    public record Limits(int maxBatch, int queueSize, int prefillChunk, long kvBudgetBytes, boolean reusePrefixes, Duration maxQueueWait) {
        public Limits {
            if (maxBatch < 1 || queueSize < 0 || prefillChunk < 1 || kvBudgetBytes < 0 || maxQueueWait == null || maxQueueWait.isNegative()) {
                throw new IllegalArgumentException("invalid scheduler limits: " + maxBatch + ", " + queueSize + ", " + prefillChunk + ", " + kvBudgetBytes + ", " + maxQueueWait);
            }
        }

        public Limits(int maxBatch, int queueSize, int prefillChunk, long kvBudgetBytes, boolean reusePrefixes) {
            this(maxBatch, queueSize, prefillChunk, kvBudgetBytes, reusePrefixes, Duration.ZERO);
        }
    }

    /** A request that waited longer than {@link Limits#maxQueueWait} for a place in the batch. */
    public static final class QueueWaitException extends RuntimeException {
        public QueueWaitException(Duration waited) {
            super("the request waited " + waited.toSeconds() + " s for a place without getting one; retry later");
        }
    }

    /** Counters since start; a mean batch size is decodedRows / decodeSteps. */
    public record Stats(int running, int waiting, long completed, long cancelled, long decodeSteps, long decodedRows,
                        int largestBatch, long kvBytesReserved, long kvBudgetBytes, double meanQueueWaitMs, double meanTimeToFirstTokenMs) {
        public double meanBatch() {
            return decodeSteps == 0 ? 0 : (double) decodedRows / decodeSteps;
        }
    }

    private static final class Job {
        final Generation gen;
        final String group;
        final long kvBytes;
        final long enqueued = System.nanoTime();
        final CompletableFuture<GenerationResult> done = new CompletableFuture<>();

        Job(Generation gen, String group, long kvBytes) {
            this.gen = gen;
            this.group = group == null ? "" : group;
            this.kvBytes = kvBytes;
        }
    }

    private final Engine engine;
    private final Limits limits;
    private final long kvBytesPerPosition;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();   // guarded by lock
    private final List<Job> running = new ArrayList<>();          // guarded by lock; changed by the loop only
    private final Thread loop;
    private final PrefixCache prefixes;                           // null when not reusing; the loop's
    private volatile boolean closed;
    private long kvReserved;                                      // guarded by lock
    private volatile long completed, cancelled, decodeSteps, decodedRows;
    private volatile int largestBatch;
    private long queueWaitNanos, admittedCount, firstTokenNanos, firstTokenCount; // loop thread; read racily for stats

    public BatchScheduler(Engine engine, Limits limits, ThreadFactory threads) {
        this.engine = engine;
        this.limits = limits;
        var c = engine.config();
        this.kvBytesPerPosition = KvCache.bytesPerPosition(c.numLayers(), c.hiddenSize(), engine.model().halfKvCache());
        this.prefixes = limits.reusePrefixes() ? new PrefixCache() : null;
        this.loop = threads.newThread(this::run);
        loop.setName("sightline-batch");
        loop.setDaemon(true);
        loop.start();
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Queues a generation ({@link Engine#start}); its future completes when it ends. {@code group}
     * (the caller) decides admission order among waiting requests. Throws RejectedExecutionException
     * at once when the queue has no room.
     */
    public CompletableFuture<GenerationResult> submit(Generation gen, String group) {
        Job job = new Job(gen, group, gen.positions() * kvBytesPerPosition);
        lock.lock();
        try {
            if (closed) throw new RejectedExecutionException("the scheduler is shut down");
            if (full()) throw new RejectedExecutionException("the queue is full");
            waiting.add(job);
            work.signal();
        } finally {
            lock.unlock();
        }
        return job.done;
    }

    /** Whether a request submitted now would be refused: every batch slot taken and the queue full. */
    public boolean full() {
        lock.lock();
        try {
            return waiting.size() >= limits.queueSize() + Math.max(0, limits.maxBatch() - running.size());
        } finally {
            lock.unlock();
        }
    }

    public Stats stats() {
        lock.lock();
        try {
            return new Stats(running.size(), waiting.size(), completed, cancelled, decodeSteps, decodedRows, largestBatch, kvReserved,
                    limits.kvBudgetBytes(), admittedCount == 0 ? 0 : queueWaitNanos / 1e6 / admittedCount,
                    firstTokenCount == 0 ? 0 : firstTokenNanos / 1e6 / firstTokenCount);
        } finally {
            lock.unlock();
        }
    }

    /** The prefix cache's counts (zeros when prefixes are not reused). */
    public PrefixCache.Stats prefixStats() {
        return prefixes == null ? new PrefixCache.Stats(0, 0, 0, 0, 0) : prefixes.stats();
    }

    private void run() {
        try {
            while (!closed) {
                boolean worked;
                try {
                    worked = step();
                } catch (RuntimeException e) {
                    // A bug in the loop itself: fail what runs rather than spin on it or die silently.
                    LOG.log(Level.SEVERE, "Batch step failed", e);
                    failRunning(e);
                    worked = false;
                }
                if (!worked) {
                    lock.lock();
                    try {
                        // Idle: wake on a new request, or soon anyway to drop waiting requests whose client left.
                        if (waiting.isEmpty() && running.isEmpty() && !closed) work.await(50, TimeUnit.MILLISECONDS);
                    } finally {
                        lock.unlock();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failAll(new RejectedExecutionException("the scheduler is shut down"));
        }
    }

    /** One scheduling step; false when there was nothing to do. */
    private boolean step() {
        List<Job> batch = admit();
        boolean worked = false;
        for (Job j : batch) {
            if (!j.gen.prefilled() && j.gen.cancelled()) finish(j, "cancelled");
        }
        // Every sequence whose logits are ready samples its next token.
        List<Job> decoding = new ArrayList<>();
        for (Job j : batch) {
            if (j.done.isDone() || !j.gen.prefilled()) continue;
            worked = true;
            try {
                boolean first = j.gen.generatedTokens() == 0;
                boolean ended = j.gen.step();
                if (first) {
                    firstTokenNanos += System.nanoTime() - j.enqueued;
                    firstTokenCount++;
                }
                if (ended) {
                    complete(j);
                } else if (j.gen.needsReprefill()) {
                    j.gen.reprefill(); // rare (crossing 4096 positions): on its own, as the reference does it
                } else {
                    decoding.add(j);
                }
            } catch (RuntimeException | Error e) {
                fail(j, e);
            }
        }
        // Prompt chunks ride along, oldest first, up to the step's prefill budget; at most one image
        // crop goes through the vision tower per step, so the streams wait for one crop at a time.
        List<Job> prefilling = new ArrayList<>();
        List<Integer> chunks = new ArrayList<>();
        int budget = limits.prefillChunk();
        boolean visionDone = false;
        for (Job j : batch) {
            if (budget == 0) break;
            if (j.done.isDone() || j.gen.prefilled()) continue;
            try {
                j.gen.begin(prefixes); // a cached prefix restored first: images inside it need no vision work
                if (j.gen.visionPending()) {
                    if (!visionDone) j.gen.visionStep();
                    visionDone = worked = true;
                    if (j.gen.visionPending()) continue;
                }
            } catch (RuntimeException | Error e) {
                fail(j, e);
                continue;
            }
            int n = Math.min(budget, j.gen.promptLeft());
            prefilling.add(j);
            chunks.add(n);
            budget -= n;
        }
        if (!decoding.isEmpty() || !prefilling.isEmpty()) {
            forward(decoding, prefilling, chunks);
            worked = true;
        }
        return worked;
    }

    /**
     * One forward for the whole step: a row for each decoding sequence, then each prompt chunk. The
     * matrix products run once over all rows, so the decodes share the weights' reads with each
     * other and with the prefill (which is compute-bound and makes the product efficient).
     */
    private void forward(List<Job> decoding, List<Job> prefilling, List<Integer> chunks) {
        int d = decoding.size(), seqs = d + prefilling.size(), hidden = engine.config().hiddenSize();
        int[] len = new int[seqs];
        KvCache[] caches = new KvCache[seqs];
        LongRope.FactorSet[] factors = new LongRope.FactorSet[seqs];
        List<float[]> rows = new ArrayList<>(seqs);
        int total = 0;
        try {
            for (int i = 0; i < seqs; i++) {
                Generation g = i < d ? decoding.get(i).gen : prefilling.get(i - d).gen;
                len[i] = i < d ? 1 : chunks.get(i - d);
                caches[i] = g.cache();
                factors[i] = g.factors();
                rows.add(i < d ? g.lastEmbedding() : g.promptChunk(len[i]));
                total += len[i];
            }
            float[] x = new float[total * hidden];
            for (int i = 0, at = 0; i < seqs; at += len[i] * hidden, i++) System.arraycopy(rows.get(i), 0, x, at, len[i] * hidden);
            long t0 = System.nanoTime();
            float[] logits = engine.model().step(x, len, caches, factors);
            long nanos = System.nanoTime() - t0;
            for (int i = 0; i < d; i++) decoding.get(i).gen.accept(logits, i);
            for (int i = d; i < seqs; i++) {
                Generation g = prefilling.get(i - d).gen;
                g.addPrefillNanos(nanos);
                g.prefilled(len[i], logits, i);
                if (g.prefilled() && g.sharesPrompt() && prefixes != null) keepPrompt(g);
            }
            if (d > 0) {
                decodeSteps++;
                decodedRows += d;
                largestBatch = Math.max(largestBatch, d);
            }
        } catch (RuntimeException | Error e) {
            for (Job j : decoding) fail(j, e);
            for (Job j : prefilling) fail(j, e);
        }
    }

    /**
     * Drops waiting requests whose client has gone, admits what fits (fewest running for the
     * caller first, then arrival order), and returns the admitted sequences in admission order.
     */
    private List<Job> admit() {
        List<Job> gone = new ArrayList<>(), late = new ArrayList<>();
        long maxWait = limits.maxQueueWait().toNanos(), now = System.nanoTime();
        lock.lock();
        try {
            for (Iterator<Job> it = waiting.iterator(); it.hasNext(); ) {
                Job j = it.next();
                if (j.gen.cancelled()) {
                    it.remove();
                    gone.add(j);
                } else if (maxWait > 0 && now - j.enqueued > maxWait) {
                    it.remove();
                    late.add(j);
                }
            }
            while (running.size() < limits.maxBatch() && !waiting.isEmpty()) {
                Job next = fairest();
                long over = kvReserved + next.kvBytes + (prefixes == null ? 0 : prefixes.bytes()) - limits.kvBudgetBytes();
                if (over > 0 && prefixes != null) prefixes.evict(over); // kept prefixes make room for running sequences
                if (!running.isEmpty() && kvReserved + next.kvBytes > limits.kvBudgetBytes()) break;
                waiting.remove(next);
                running.add(next);
                kvReserved += next.kvBytes;
                queueWaitNanos += System.nanoTime() - next.enqueued;
                admittedCount++;
            }
            return new ArrayList<>(running);
        } finally {
            lock.unlock();
            for (Job j : gone) {
                j.gen.end("cancelled");
                cancelled++;
                completed++;
                j.done.complete(j.gen.result());
            }
            for (Job j : late) j.done.completeExceptionally(new QueueWaitException(limits.maxQueueWait()));
        }
    }

    /** The waiting request whose caller has the fewest sequences running; the oldest among equals. */
    private Job fairest() {
        Map<String, Integer> held = new HashMap<>();
        for (Job r : running) held.merge(r.group, 1, Integer::sum);
        Job best = null;
        int least = Integer.MAX_VALUE;
        for (Job w : waiting) {
            int h = held.getOrDefault(w.group, 0);
            if (h < least) {
                best = w;
                least = h;
            }
        }
        return best;
    }

    private void finish(Job j, String reason) {
        j.gen.end(reason);
        complete(j);
    }

    private void complete(Job j) {
        release(j);
        if (prefixes != null) keep(j.gen);
        GenerationResult r = j.gen.result();
        if (r.finishReason().equals("cancelled")) cancelled++;
        completed++;
        j.done.complete(r);
    }

    /** Offers a just-prefilled prompt to the prefix cache (a copy; see {@link Generation#sharePromptWhenPrefilled}). */
    private void keepPrompt(Generation g) {
        keepWithinBudget(() -> g.offerPromptTo(prefixes));
    }

    /** Offers an ended sequence's cache to the prefix cache. */
    private void keep(Generation g) {
        keepWithinBudget(() -> g.offerTo(prefixes));
    }

    /** Runs an offer to the prefix cache, then evicts what the running sequences' reservations leave no room for. */
    private void keepWithinBudget(Runnable offer) {
        lock.lock();
        try {
            offer.run();
            long over = kvReserved + prefixes.bytes() - limits.kvBudgetBytes();
            if (over > 0) prefixes.evict(over);
        } finally {
            lock.unlock();
        }
    }

    private void fail(Job j, Throwable t) {
        release(j);
        completed++;
        j.done.completeExceptionally(t);
    }

    private void release(Job j) {
        lock.lock();
        try {
            if (running.remove(j)) kvReserved -= j.kvBytes;
        } finally {
            lock.unlock();
        }
    }

    private void failRunning(RuntimeException why) {
        List<Job> all;
        lock.lock();
        try {
            all = new ArrayList<>(running);
        } finally {
            lock.unlock();
        }
        for (Job j : all) fail(j, why);
    }

    private void failAll(RuntimeException why) {
        lock.lock();
        try {
            for (Job j : waiting) j.done.completeExceptionally(why);
            for (Job j : running) j.done.completeExceptionally(why);
            waiting.clear();
            running.clear();
            kvReserved = 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.sightline.inference;

/** The request queue is full; the web layer answers 429 with Retry-After. */
public class QueueFullException extends RuntimeException {
    private final int queueSize;

    public QueueFullException(int queueSize) {
        this("the inference queue is full (" + queueSize + " requests waiting); retry later", queueSize);
    }

    public QueueFullException(String message, int queueSize) {
        super(message);
        this.queueSize = queueSize;
    }

    public int queueSize() {
        return queueSize;
    }
}

package dev.sightline.web;

import dev.sightline.inference.Answer;
import dev.sightline.inference.AnswerSink;
import dev.sightline.inference.PendingAnswer;
import jakarta.json.JsonObject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one bridge from a pending answer to Server-Sent Events, for every streaming endpoint: the
 * released text as it comes, a keep-alive comment while the engine is quiet (proxies close idle
 * connections), the closing events once the answer is final, then {@code [DONE]}. A client that goes
 * away stops its generation; the answer is still finished, so it is moderated and audited once.
 */
final class SseAnswer implements AnswerSink {
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final Object GENERATED = new Object();

    /** An endpoint's event shapes around the shared flow. */
    interface Events {
        List<JsonObject> opening(PendingAnswer pending);

        /** The event for released text; null holds it back (the endpoint sends it with its closing events). */
        JsonObject delta(String text);

        List<JsonObject> closing(PendingAnswer pending, Answer answer);

        /** What the client learns when generation failed (never the exception's text). */
        List<JsonObject> failure(PendingAnswer pending);

        /** The client went away before the end. */
        default void gone() {}
    }

    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>(); // released text, then GENERATED
    private volatile boolean gone;

    @Override
    public void onDelta(String released) {
        events.add(released);
    }

    @Override
    public boolean streaming() {
        return true;
    }

    @Override
    public boolean gone() {
        return gone;
    }

    /** The response that streams {@code pending} (submitted with this sink) in the endpoint's shapes. */
    Response respond(PendingAnswer pending, Events shapes) {
        pending.generated().whenComplete((r, e) -> events.add(GENERATED));
        StreamingOutput body = out -> {
            try {
                for (JsonObject o : shapes.opening(pending)) send(out, o);
                for (Object ev; (ev = events.poll(KEEP_ALIVE.toSeconds(), TimeUnit.SECONDS)) != GENERATED; ) {
                    if (ev == null) {
                        out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    } else {
                        send(out, shapes.delta((String) ev));
                    }
                }
                Answer answer = null;
                try {
                    answer = pending.answer(); // its last piece of text arrives as a delta
                } catch (RuntimeException failed) {
                    // told below, without the exception's text
                }
                for (Object ev; (ev = events.poll()) != null; ) send(out, shapes.delta((String) ev));
                for (JsonObject o : answer != null ? shapes.closing(pending, answer) : shapes.failure(pending)) send(out, o);
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException | java.io.UncheckedIOException clientGone) { // Jersey wraps a failed write now and then
                gone = true; // the engine stops at its next step
                shapes.gone();
                pending.finishUnseen();
            } catch (InterruptedException e) {
                gone = true;
                Thread.currentThread().interrupt();
            }
        };
        return Response.ok(body, MediaType.SERVER_SENT_EVENTS_TYPE)
                .header("Cache-Control", "no-cache")
                .header("X-Accel-Buffering", "no")
                .header("X-Request-Id", pending.requestId())
                .build();
    }

    private static void send(OutputStream out, JsonObject o) throws IOException {
        if (o == null) return;
        out.write(("data: " + o + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}

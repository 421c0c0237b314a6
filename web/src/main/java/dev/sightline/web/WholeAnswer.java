package dev.sightline.web;

import dev.sightline.inference.Answer;
import dev.sightline.inference.AnswerSink;
import dev.sightline.inference.PendingAnswer;
import jakarta.json.JsonObject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The bridge for a caller that waits for the whole answer (no {@code stream}). A blocking request
 * gets no signal when its client goes away, so a long generation would run to its end for nobody
 * (and an SDK that times out and retries would pile generations up). Once the engine has started
 * (nothing but a server fault can fail the request from there) and the answer has taken longer than
 * the heartbeat, the response is committed as 200 and a space is written every heartbeat until the
 * JSON follows: JSON allows leading whitespace, and a write that fails means the client is gone, so
 * the generation stops at its next step. Quicker answers, and every refusal, are answered as usual.
 */
final class WholeAnswer implements AnswerSink {
    private final Duration heartbeat;
    private final boolean openAi;
    private volatile boolean started;
    private volatile boolean gone;
    private Runnable whenGone = () -> {};

    /** @param openAi whether a failure after the heartbeat began is written in OpenAI's error shape */
    WholeAnswer(Duration heartbeat, boolean openAi) {
        this.heartbeat = heartbeat;
        this.openAi = openAi;
    }

    /** Runs {@code action} once, should the client leave during the heartbeats (the answer is then never rendered). */
    WholeAnswer whenGone(Runnable action) {
        this.whenGone = action;
        return this;
    }

    @Override
    public void onStarted() {
        started = true;
    }

    @Override
    public boolean gone() {
        return gone;
    }

    /** The response for {@code pending} (submitted with this sink): {@code render} applied to its answer. */
    Response respond(PendingAnswer pending, Function<Answer, JsonObject> render) throws InterruptedException {
        return respond(List.of(pending), answers -> render.apply(answers.getFirst()));
    }

    /** The response for several answers to one request, all submitted with this sink. */
    Response respond(List<PendingAnswer> pending, Function<List<Answer>, JsonObject> render) throws InterruptedException {
        while (!done(pending)) {
            if (started) return heartbeats(pending, render);
        }
        return Response.ok(render.apply(answers(pending)), MediaType.APPLICATION_JSON_TYPE).header("X-Request-Id", pending.getFirst().requestId()).build();
    }

    private static List<Answer> answers(List<PendingAnswer> pending) throws InterruptedException {
        List<Answer> out = new ArrayList<>();
        for (PendingAnswer p : pending) out.add(p.answer());
        return out;
    }

    /** Waits up to one heartbeat: whether the engine has finished (or failed) every answer. */
    private boolean done(List<PendingAnswer> pending) throws InterruptedException {
        try {
            CompletableFuture.allOf(pending.stream().map(PendingAnswer::generated).toArray(CompletableFuture[]::new))
                    .get(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException failed) {
            return true; // answer() throws its cause, mapped as usual
        } catch (TimeoutException notYet) {
            return false;
        }
    }

    private Response heartbeats(List<PendingAnswer> pending, Function<List<Answer>, JsonObject> render) {
        StreamingOutput body = out -> {
            try {
                do {
                    out.write(' '); // at once: the answer has already taken a heartbeat
                    out.flush();
                } while (!done(pending));
                String json;
                try {
                    json = render.apply(answers(pending)).toString();
                } catch (RuntimeException failed) {
                    json = ErrorMapper.body(openAi, Response.Status.INTERNAL_SERVER_ERROR, "server_error",
                            "the generation failed (request " + pending.getFirst().requestId() + ")", null, null);
                }
                out.write(json.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException | java.io.UncheckedIOException clientGone) { // Jersey wraps a failed write now and then
                gone = true; // the engine stops at its next step; the answer is still moderated and audited
                pending.forEach(PendingAnswer::finishUnseen);
                whenGone.run();
            } catch (InterruptedException e) {
                gone = true;
                Thread.currentThread().interrupt();
            }
        };
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).header("X-Request-Id", pending.getFirst().requestId()).build();
    }
}

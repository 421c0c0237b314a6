package dev.sightline.web;

import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.inject.Inject;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.Charset;

/**
 * Reads every request body before the application sees it, without holding a server thread while
 * the client sends: the bytes arrive through a non-blocking {@link ReadListener}, are counted as
 * they come, and the request is dispatched to Jakarta REST only once its body is whole. So
 * <ul>
 *   <li>a body needs a valid credential before a byte of it is read (401; no route takes an
 *       anonymous body);</li>
 *   <li>a body over {@code sightline.request.max-bytes} is refused with 413 as soon as it passes the
 *       limit, whether its length was declared or it is chunked (multipart parts included);</li>
 *   <li>a client that stalls or trickles gets 408: the whole body must arrive within
 *       {@code sightline.request.body-timeout-seconds}, and after the first
 *       {@value #GRACE_SECONDS} s at no less than {@code sightline.request.min-bytes-per-second};</li>
 *   <li>bodies being read or held share {@code sightline.request.buffered-bytes} of memory; a body
 *       that does not fit is answered 503 with Retry-After.</li>
 * </ul>
 * Requests offering an upgrade, and HTTP/2 where a deployer turns it on, are read on the worker
 * instead, under the same limits and at most {@code sightline.request.max-blocking-reads} at once
 * (see {@code doFilter}).
 */
@WebFilter(urlPatterns = "/*", asyncSupported = true, dispatcherTypes = {DispatcherType.REQUEST, DispatcherType.ASYNC})
public class RequestBodyFilter implements Filter {
    static final int GRACE_SECONDS = 5;
    private static final String BODY = RequestBodyFilter.class.getName() + ".body";

    @Inject
    Credentials credentials;

    @Inject
    @ConfigProperty(name = "sightline.request.max-bytes", defaultValue = "33554432")
    long maxBytes;

    @Inject
    @ConfigProperty(name = "sightline.request.body-timeout-seconds", defaultValue = "60")
    int timeoutSeconds;

    @Inject
    @ConfigProperty(name = "sightline.request.min-bytes-per-second", defaultValue = "8192")
    long minRate;

    @Inject
    @ConfigProperty(name = "sightline.request.buffered-bytes", defaultValue = "536870912")
    long bufferBudget;

    @Inject
    @ConfigProperty(name = "sightline.request.max-blocking-reads", defaultValue = "8")
    int maxBlockingReads;

    @Resource
    ManagedScheduledExecutorService timer;

    private final AtomicLong buffered = new AtomicLong();
    private Semaphore blockingReads;

    @Override
    public void init(jakarta.servlet.FilterConfig config) {
        blockingReads = new Semaphore(maxBlockingReads);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        if (req.getDispatcherType() == DispatcherType.ASYNC && req.getAttribute(BODY) instanceof Body body) {
            req.removeAttribute(BODY);
            try {
                chain.doFilter(new BufferedRequest(req, body), resp);
            } finally {
                body.release();
            }
            return;
        }
        long declared = req.getContentLengthLong();
        boolean hasBody = declared > 0 || declared < 0 && req.getHeader("Transfer-Encoding") != null;
        if (!hasBody || req.getDispatcherType() != DispatcherType.REQUEST) {
            chain.doFilter(request, response);
            return;
        }
        if (credentials.caller(req.getHeader(HttpHeaders.AUTHORIZATION)).isEmpty()) {
            resp.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sightline\"");
            refuse(req, resp, Response.Status.UNAUTHORIZED, "authentication_error", "a request body needs a valid Bearer API key (Authorization: Bearer <key>)");
            return;
        }
        if (declared > maxBytes) {
            refuse(req, resp, Response.Status.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error",
                    "request body of " + declared + " bytes exceeds the limit of " + maxBytes);
            return;
        }
        if (req.getHeader("Upgrade") != null || req.getProtocol().startsWith("HTTP/2")) {
            // A request that offers an upgrade (Java's HttpClient offers h2c on every request over
            // http://): Grizzly hands its body to no ReadListener, though it is served as HTTP/1.1 since
            // HTTP/2 is off. And where a deployer turns HTTP/2 on, Grizzly's ReadListener ends a stream's
            // body at its flow-control window. These bodies are read on the worker, held to the same
            // size limit, deadline and rate (a stalled read ends with the transport's read timeout), and
            // only so many at once, so they cannot take every worker.
            if (!blockingReads.tryAcquire()) {
                new Refusal(Response.Status.SERVICE_UNAVAILABLE, "the server is reading too many request bodies; retry shortly").send(req, resp);
                return;
            }
            try {
                chain.doFilter(new LimitedRequest(req, maxBytes, new Pace()), resp);
            } finally {
                blockingReads.release();
            }
            return;
        }
        AsyncContext async = req.startAsync(req, resp);
        async.setTimeout(0); // the reader's own deadline below ends a stalled read
        new Reader(async, req, resp, declared).start();
    }

    /** Thrown by a {@link LimitedRequest}'s stream; the error mapper answers with its status. */
    static class BodyRefusedException extends IOException {
        final Response.Status status;

        BodyRefusedException(Response.Status status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** Past the size limit: 413. */
    static final class BodyTooLargeException extends BodyRefusedException {
        BodyTooLargeException(long limit) {
            super(Response.Status.REQUEST_ENTITY_TOO_LARGE, "request body exceeds the limit of " + limit + " bytes");
        }
    }

    /** The stream ended before the declared Content-Length: 400 saying so, rather than a parse error at some offset. */
    static final class BodyTruncatedException extends BodyRefusedException {
        BodyTruncatedException(long read, long declared) {
            super(Response.Status.BAD_REQUEST, "the request body ended after " + read + " of its " + declared + " declared bytes");
        }
    }

    /**
     * The request with its own stream, counted: reading past {@code limit} bytes, ending short of the
     * declared length, missing the deadline or the rate, or stalling until the read times out, fails.
     */
    private final class LimitedRequest extends HttpServletRequestWrapper {
        private final long limit;
        private final Pace pace;
        private ServletInputStream stream;

        LimitedRequest(HttpServletRequest r, long limit, Pace pace) {
            super(r);
            this.limit = limit;
            this.pace = pace;
        }

        @Override
        public synchronized ServletInputStream getInputStream() throws IOException {
            if (stream != null) return stream;
            ServletInputStream in = super.getInputStream();
            long declared = getContentLengthLong();
            stream = new ServletInputStream() {
                private long count;

                private int counted(int n) throws IOException {
                    if (n > 0 && (count += n) > limit) throw new BodyTooLargeException(limit);
                    if (n < 0 && declared >= 0 && count < declared) throw new BodyTruncatedException(count, declared);
                    Refusal late = pace.check(count);
                    if (late != null) throw new BodyRefusedException(late.status(), late.message());
                    return n;
                }

                private int timed(java.util.concurrent.Callable<Integer> read) throws IOException {
                    try {
                        return read.call();
                    } catch (BodyRefusedException e) {
                        throw e;
                    } catch (Exception stalled) { // the transport's read timeout, or the client gone
                        throw new BodyRefusedException(Response.Status.REQUEST_TIMEOUT, "the request body stopped arriving");
                    }
                }

                @Override
                public int read() throws IOException {
                    int b = timed(in::read);
                    counted(b < 0 ? -1 : 1);
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return counted(timed(() -> in.read(b, off, len)));
                }

                @Override
                public boolean isFinished() {
                    return in.isFinished();
                }

                @Override
                public boolean isReady() {
                    return in.isReady();
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    in.setReadListener(listener);
                }
            };
            return stream;
        }
    }

    /** A body's pace: whole within the deadline and, after the first seconds, no slower than the minimum rate. */
    private final class Pace {
        private final long started = System.nanoTime();

        /** Null while a body of {@code total} bytes so far keeps to its pace. */
        Refusal check(long total) {
            double seconds = (System.nanoTime() - started) / 1e9;
            if (seconds > timeoutSeconds) return new Refusal(Response.Status.REQUEST_TIMEOUT, "the request body did not arrive within " + timeoutSeconds + " s");
            if (seconds > GRACE_SECONDS && total < minRate * seconds) {
                return new Refusal(Response.Status.REQUEST_TIMEOUT, "the request body arrives slower than " + minRate + " bytes per second");
            }
            return null;
        }
    }

    /** Why a body is refused: the status and the message the client gets. */
    private record Refusal(Response.Status status, String message) {
        void send(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (status == Response.Status.SERVICE_UNAVAILABLE) resp.setHeader("Retry-After", "5");
            refuse(req, resp, status, "invalid_request_error", message);
        }
    }

    /**
     * The bytes of one body as they arrive, whichever way they are read: counted against the size
     * limit and the shared budget, and their pace held to the deadline and the minimum rate.
     */
    private final class Intake {
        private final ByteArrayOutputStream bytes;
        private final Pace pace = new Pace();
        private volatile long total;

        Intake(long declared) {
            bytes = new ByteArrayOutputStream(declared > 0 ? (int) Math.min(declared, 1 << 20) : 8192);
        }

        /** Takes {@code n} more bytes, or says why the body is refused (those bytes not taken). */
        Refusal accept(byte[] buf, int n) {
            if (total + n > maxBytes) return new Refusal(Response.Status.REQUEST_ENTITY_TOO_LARGE, "request body exceeds the limit of " + maxBytes + " bytes");
            if (buffered.addAndGet(n) > bufferBudget) {
                buffered.addAndGet(-n);
                return new Refusal(Response.Status.SERVICE_UNAVAILABLE, "the server is reading too many request bodies; retry shortly");
            }
            bytes.write(buf, 0, n);
            total += n;
            return null;
        }

        /** Null while the body keeps to its deadline and, after the first seconds, to the minimum rate. */
        Refusal pace() {
            return pace.check(total);
        }

        /** Gives up the bytes taken so far. */
        void release() {
            buffered.addAndGet(-total);
        }

        /** The whole body, its bytes now the Body's to release. */
        Body body() {
            return new Body(bytes.toByteArray(), total);
        }
    }

    /** One body being read: the bytes so far, its deadline check, and the memory it holds. */
    private final class Reader implements ReadListener {
        private final AsyncContext async;
        private final HttpServletRequest req;
        private final HttpServletResponse resp;
        private final ServletInputStream in;
        private final Intake intake;
        private final AtomicBoolean finished = new AtomicBoolean();
        private ScheduledFuture<?> check;

        Reader(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, long declared) throws IOException {
            this.async = async;
            this.req = req;
            this.resp = resp;
            this.in = req.getInputStream();
            this.intake = new Intake(declared);
        }

        void start() {
            check = timer.scheduleAtFixedRate(this::checkProgress, 1, 1, TimeUnit.SECONDS);
            in.setReadListener(this);
        }

        private void checkProgress() {
            Refusal r = intake.pace();
            if (r != null) fail(r);
        }

        @Override
        public void onDataAvailable() throws IOException {
            byte[] buf = new byte[65536];
            while (!finished.get() && in.isReady()) {
                int n = in.read(buf);
                if (n < 0) return;
                Refusal r = intake.accept(buf, n);
                if (r != null) {
                    fail(r);
                    return;
                }
            }
        }

        @Override
        public void onAllDataRead() {
            if (!finished.compareAndSet(false, true)) return;
            check.cancel(false);
            req.setAttribute(BODY, intake.body());
            async.dispatch();
        }

        @Override
        public void onError(Throwable t) {
            if (!finished.compareAndSet(false, true)) return;
            check.cancel(false);
            intake.release();
            async.complete(); // the connection failed: nobody to answer
        }

        private void fail(Refusal refusal) {
            if (!finished.compareAndSet(false, true)) return;
            check.cancel(false);
            intake.release();
            try {
                refusal.send(req, resp);
            } catch (IOException | IllegalStateException ignored) {
                // the client is gone
            } finally {
                async.complete();
            }
        }
    }

    /** A complete body; its bytes count against the shared budget until the application has read them. */
    private final class Body {
        final byte[] bytes;
        private final AtomicLong held;

        Body(byte[] bytes, long held) {
            this.bytes = bytes;
            this.held = new AtomicLong(held);
        }

        void release() {
            buffered.addAndGet(-held.getAndSet(0));
        }
    }

    /** The request as the application sees it: the buffered body in place of the connection's stream. */
    private static final class BufferedRequest extends HttpServletRequestWrapper {
        private final Body body;
        private ServletInputStream stream;

        BufferedRequest(HttpServletRequest r, Body body) {
            super(r);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body.bytes.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.bytes.length;
        }

        /** One stream per request, as the container's: every caller reads on from where the last stopped. */
        @Override
        public synchronized ServletInputStream getInputStream() {
            if (stream == null) stream = open();
            return stream;
        }

        private ServletInputStream open() {
            ByteArrayInputStream in = new ByteArrayInputStream(body.bytes);
            return new ServletInputStream() {
                @Override
                public int read() {
                    int b = in.read();
                    if (b < 0) body.release();
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    int n = in.read(b, off, len);
                    if (n < 0) body.release();
                    return n;
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new IllegalStateException("the body is already read");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(),
                    getCharacterEncoding() == null ? StandardCharsets.UTF_8 : Charset.forName(getCharacterEncoding())));
        }
    }

    private static void refuse(HttpServletRequest req, HttpServletResponse resp, Response.Status status, String type, String message) throws IOException {
        String path = req.getRequestURI().substring(req.getContextPath().length());
        boolean openAi = path.startsWith("/v1");
        resp.setStatus(status.getStatusCode());
        resp.setHeader("Connection", "close"); // the rest of the body is not read
        resp.setContentType(openAi ? "application/json" : "application/problem+json");
        byte[] b = ErrorMapper.body(openAi, status, type, message, null, null).getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
        resp.flushBuffer();
    }
}

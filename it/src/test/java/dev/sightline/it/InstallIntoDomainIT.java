package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Installing into an existing Payara as an operator would: a freshly created domain, a real
 * PostgreSQL server, and scripts/install-into-domain.sh with a context root, a stored setting and
 * the database password in a file. Nothing of the managed test domain is used. Runs in its own
 * failsafe execution, before the managed domain starts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstallIntoDomainIT {
    static final Path SCRIPTS = Path.of(System.getProperty("sightline.scripts", "../scripts"));
    static final Path PAYARA = Path.of(System.getProperty("payara.home"));
    static final Path EAR = Path.of(System.getProperty("sightline.ear"));
    static final Path PHOTO = Path.of(System.getProperty("sightline.testdata", "../testdata")).resolve("data/faces/astronaut.png");
    // A port base away from the managed domain's (admin 9048, HTTP 9080, HTTPS 9081), health beside it.
    static final int ADMIN = 9048, HTTP = 9080, HEALTH = 9091;
    static final String KEY = "install-it-key";
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static Path work;
    static int pgPort;
    static String jdbcUrl;

    @BeforeAll
    static void freshDomainAndDatabase() throws Exception {
        work = Files.createTempDirectory("sightline-install");
        // PostgreSQL runs as its own user under root: it must be able to reach its folder inside this one.
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ServerSocket s = new ServerSocket(0)) {
            pgPort = s.getLocalPort();
        }
        run(List.of("bash", SCRIPTS.resolve("test-postgres.sh").toString(), "start", work.resolve("pg").toString(), Integer.toString(pgPort)));
        jdbcUrl = "jdbc:postgresql://127.0.0.1:" + pgPort + "/sightline";
        asadmin("create-domain", "--domaindir", work.resolve("domains").toString(), "--portbase", "9000", "--nopassword", "fresh");
        asadmin("start-domain", "--domaindir", work.resolve("domains").toString(), "fresh");
        // Two domains on one machine: keep this one's data grid to itself.
        asadmin("--port", Integer.toString(ADMIN), "set-hazelcast-configuration", "--enabled", "false", "--dynamic", "true");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (work == null) return;
        runAllowingFailure(List.of(PAYARA.resolve("bin/asadmin").toString(), "stop-domain", "--domaindir", work.resolve("domains").toString(),
                "--kill", "true", "fresh"), Map.of());
        runAllowingFailure(List.of("bash", SCRIPTS.resolve("test-postgres.sh").toString(), "stop", work.resolve("pg").toString()), Map.of());
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    @Order(1)
    void theScriptInstallsIntoTheDomainAndServesUnderItsContextRoot() throws Exception {
        Path password = Files.writeString(work.resolve("db-password"), "sightline");
        Path driver = Path.of(org.postgresql.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String out = install("--ear", EAR.toString(), "--context-root", "/sightline",
                "--db-url", jdbcUrl, "--db-user", "sightline", "--db-password-file", password.toString(), "--jdbc-driver", driver.toString(),
                "--config", "sightline.api.keys=" + KEY);
        assertTrue(out.contains("deployed at context root /sightline"), out);
        awaitReady();

        // The UI and the API answer under the context root, and nothing answers at the server's root.
        HttpResponse<String> page = get("/sightline/", null);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("src=\"ui/app.js\""), "the page loads its script relative to where it is");
        assertEquals(200, get("/sightline/ui/app.js", null).statusCode());
        assertEquals(404, get("/v1/models", KEY).statusCode());
        assertEquals(401, get("/sightline/v1/models", null).statusCode());
        assertEquals(200, get("/sightline/v1/models", KEY).statusCode(), "the key stored in the domain's configuration works");

        // An image request works out of the box, with its face blurred, and is audited in PostgreSQL.
        String body = """
                {"max_tokens": 4, "sightline": {"num_crops": 1}, "messages": [{"role": "user", "content": [
                  {"type": "image_url", "image_url": {"url": "data:image/png;base64,%s"}},
                  {"type": "text", "text": "Describe this photo."}]}]}
                """.formatted(Base64.getEncoder().encodeToString(Files.readAllBytes(PHOTO)));
        HttpResponse<String> answer = CLIENT.send(HttpRequest.newBuilder(URI.create("http://localhost:" + HTTP + "/sightline/v1/chat/completions"))
                .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json").header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode json = Http.JSON.readTree(answer.body());
        assertEquals(1, json.path("sightline").path("faces_anonymized").get(0).asInt());
        String requestId = answer.headers().firstValue("X-Request-Id").orElseThrow();

        try (Connection c = DriverManager.getConnection(jdbcUrl, "sightline", "sightline"); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT version FROM sightline_schema_history WHERE success ORDER BY installed_rank DESC")) {
                assertTrue(r.next());
                assertEquals("1", r.getString(1), "Flyway migrated the schema");
            }
            List<String> directions = new ArrayList<>();
            try (PreparedStatement q = c.prepareStatement("SELECT direction FROM sightline_audit WHERE request_id = ? ORDER BY id")) {
                q.setString(1, requestId);
                try (ResultSet r = q.executeQuery()) {
                    while (r.next()) directions.add(r.getString(1));
                }
            }
            assertEquals(List.of("input", "output"), directions);
        }
        String domainXml = Files.readString(work.resolve("domains/fresh/config/domain.xml"));
        assertFalse(domainXml.contains("name=\"password\" value=\"sightline\""), "the database password is not in domain.xml");
        assertTrue(domainXml.contains("${ALIAS=sightline-db}"));
    }

    @Test
    @Order(2)
    void theBrowserUiWorksUnderTheContextRoot() throws Exception {
        WebDriver driver = Browser.chromium();
        try {
            driver.get("http://localhost:" + HTTP + "/sightline/");
            // The page's status request found the API relative to the page.
            new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> d.findElement(By.id("model-warning")).getText().contains("noise"));
            driver.findElement(By.id("api-key")).sendKeys(KEY);
            driver.findElement(By.id("images")).sendKeys(PHOTO.toRealPath().toString());
            driver.findElement(By.id("question")).sendKeys("Describe this photo.");
            WebElement max = driver.findElement(By.id("max-tokens"));
            max.clear();
            max.sendKeys("6");
            driver.findElement(By.id("ask")).click();
            new WebDriverWait(driver, Duration.ofMinutes(2)).until(d -> d.findElement(By.id("status")).getText().startsWith("Done"));
            String alt = driver.findElement(By.cssSelector("#seen img")).getAttribute("alt");
            assertTrue(alt.contains("1 face(s) anonymised"), alt);
        } finally {
            driver.quit();
        }
    }

    @Test
    @Order(3)
    void healthHasItsOwnPortThatServesNothingElse() throws Exception {
        HttpResponse<String> ready = CLIENT.send(HttpRequest.newBuilder(URI.create("http://localhost:" + HEALTH + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        HttpResponse<String> api = CLIENT.send(HttpRequest.newBuilder(URI.create("http://localhost:" + HEALTH + "/sightline/v1/models"))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, api.statusCode());
    }

    @Test
    @Order(4)
    void runningItAgainChangesNothingAndBadOptionsAreRefused() throws Exception {
        Path driver = Path.of(org.postgresql.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String out = install("--no-deploy", "--db-url", jdbcUrl, "--db-user", "sightline",
                "--db-password-file", work.resolve("db-password").toString(), "--jdbc-driver", driver.toString());
        assertTrue(out.contains("configured"), out);
        String domainXml = Files.readString(work.resolve("domains/fresh/config/domain.xml"));
        assertEquals(1, count(domainXml, "<jvm-options>--add-modules=jdk.incubator.vector</jvm-options>"), "no option added twice");
        assertEquals(1, count(domainXml, "<protocol name=\"sightline-health\""), "one health protocol");
        assertEquals(1, count(domainXml, "<network-listener protocol=\"sightline-health\""), "one health listener");

        Result bad = runAllowingFailure(List.of("bash", SCRIPTS.resolve("install-into-domain.sh").toString(),
                "--asadmin", PAYARA.resolve("bin/asadmin").toString(), "--no-deploy", "--context-root", "sightline"), Map.of());
        assertEquals(2, bad.exit());
        assertTrue(bad.output().contains("--context-root must start with /"), bad.output());
        Result noDriver = runAllowingFailure(List.of("bash", SCRIPTS.resolve("install-into-domain.sh").toString(),
                "--asadmin", PAYARA.resolve("bin/asadmin").toString(), "--no-deploy", "--db-url", jdbcUrl, "--db-user", "x"), Map.of());
        assertEquals(2, noDriver.exit());
        assertTrue(noDriver.output().contains("--jdbc-driver"), noDriver.output());
    }

    private static String install(String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPTS.resolve("install-into-domain.sh").toString(),
                "--asadmin", PAYARA.resolve("bin/asadmin").toString(),
                "--domaindir", work.resolve("domains").toString(), "--domain", "fresh", "--admin-port", Integer.toString(ADMIN)));
        cmd.addAll(List.of(options));
        Result r = runAllowingFailure(cmd, Map.of("SIGHTLINE_HEAP", "1g", "SIGHTLINE_HEALTH_PORT", Integer.toString(HEALTH)));
        assertEquals(0, r.exit(), r.output());
        return r.output();
    }

    private static void awaitReady() throws Exception {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        String last = "";
        while (System.nanoTime() < end) {
            try {
                HttpResponse<String> r = get("/health/ready", null);
                if (r.statusCode() == 200) return;
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the installed server did not become ready: " + last);
    }

    private static HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + HTTP + path)).timeout(Duration.ofMinutes(1));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }

    private static void asadmin(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PAYARA.resolve("bin/asadmin").toString(), "--interactive=false"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    private static void run(List<String> cmd) throws Exception {
        Result r = runAllowingFailure(cmd, Map.of());
        if (r.exit() != 0) throw new AssertionError(String.join(" ", cmd) + " failed: " + r.output());
    }

    record Result(int exit, String output) {
    }

    private static Result runAllowingFailure(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // The managed test domain's settings come as environment variables; this domain must not see them.
        pb.environment().keySet().removeIf(k -> k.startsWith("SIGHTLINE_") || k.startsWith("MP_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }
}

package dev.sightline.inference.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.postgresql.ds.PGSimpleDataSource;

/** A real PostgreSQL server for one test class, started by scripts/test-postgres.sh. */
final class TestPostgres implements AutoCloseable {
    private final Path dir;
    final int port;

    private TestPostgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    static TestPostgres start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("sightline-pg");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        run("start", dir.toString(), Integer.toString(port));
        return new TestPostgres(dir, port);
    }

    PGSimpleDataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"127.0.0.1"});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName("sightline");
        ds.setUser("sightline");
        ds.setPassword("sightline");
        return ds;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("stop", dir.toString());
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void run(String... args) throws IOException, InterruptedException {
        String scripts = System.getProperty("sightline.scripts");
        if (scripts == null) {
            throw new IllegalStateException("the build passes sightline.scripts (the repository's scripts folder)");
        }
        String[] cmd = new String[args.length + 2];
        cmd[0] = "bash";
        cmd[1] = Path.of(scripts, "test-postgres.sh").toString();
        System.arraycopy(args, 0, cmd, 2, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("test-postgres.sh " + args[0] + " failed: " + out);
        }
    }
}

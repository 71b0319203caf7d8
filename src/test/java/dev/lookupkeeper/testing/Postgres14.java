package dev.lookupkeeper.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * PostgreSQL 14, the oldest server the tests run on: zonky's bundle (initdb, pg_ctl, postgres),
 * which the build copies to {@code target/pg-bundles/postgres-14.jar}, unpacked once into
 * {@code target/pg14} and run as a cluster of local binaries. 14 lacks what 15 added and the
 * sidecar gates on: publication column lists, and the skipping of transactions with nothing to
 * publish (every transaction reaches the sidecar, its own lookup commits included).
 */
public final class Postgres14 {
    private static final Path BUNDLE = Path.of("target", "pg-bundles", "postgres-14.jar");
    private static final Path HOME = Path.of("target", "pg14");

    private Postgres14() {}

    /** A cluster of its own with the given settings; the caller closes it. */
    public static PgCluster start(Map<String, String> settings) {
        try {
            return LocalBinariesCluster.start(bin(), settings);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start PostgreSQL 14: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting PostgreSQL 14", e);
        }
    }

    private static synchronized Path bin() throws IOException, InterruptedException {
        Path bin = HOME.toAbsolutePath().resolve("bin");
        if (Files.isExecutable(bin.resolve("postgres"))) {
            return bin;
        }
        if (!Files.isRegularFile(BUNDLE)) {
            throw new IOException(BUNDLE.toAbsolutePath() + " is missing: `mvn generate-test-resources` copies it (maven-dependency-plugin)");
        }
        Files.createDirectories(HOME);
        Path archive = HOME.resolve("postgres-linux-x86_64.txz");
        try (ZipFile jar = new ZipFile(BUNDLE.toFile())) {
            ZipEntry entry = jar.getEntry("postgres-linux-x86_64.txz");
            if (entry == null) {
                throw new IOException(BUNDLE + " holds no postgres-linux-x86_64.txz");
            }
            try (InputStream in = jar.getInputStream(entry)) {
                Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Process tar = new ProcessBuilder(List.of("tar", "-xJf", archive.toString(), "-C", HOME.toString())).redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes());
        if (tar.waitFor() != 0 || !Files.isExecutable(bin.resolve("postgres"))) {
            throw new IOException("cannot unpack " + archive + ": " + output);
        }
        Files.delete(archive);
        return bin;
    }
}

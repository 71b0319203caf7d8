package dev.lookupkeeper.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * PostgreSQL 14, the oldest server the tests run on: zonky's bundle, which the build copies to
 * {@code target/pg-bundles/postgres-14.jar} (one version of zonky's binaries fits on the class
 * path), handed to zonky's embedded server in place of the bundled 17. zonky unpacks it (under
 * {@code embedded-pg14} in the temporary directory, named by the archive's hash) and runs it as it
 * runs its own. 14 lacks
 * what 15 added and the sidecar gates on: publication column lists, unlogged sequences (strict's
 * position notes), and the skipping of transactions with nothing to publish.
 */
public final class Postgres14 {
    private static final Path BUNDLE = Path.of("target", "pg-bundles", "postgres-14.jar");
    private static final String ARCHIVE = "postgres-linux-x86_64.txz";
    /** Apart from zonky's own directory (its 17), which other tests search for that version's binaries. */
    private static final Path WORKING_DIRECTORY = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg14");

    private Postgres14() {}

    /** A cluster of its own with the given settings; the caller closes it. */
    public static PgCluster start(Map<String, String> settings) {
        try {
            byte[] archive = archive();
            return EmbeddedBundleCluster.start(settings, (system, hardware) -> new ByteArrayInputStream(archive), WORKING_DIRECTORY.toFile(),
                    "embedded bundle 14");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start PostgreSQL 14: " + e.getMessage(), e);
        }
    }

    private static byte[] archive() throws IOException {
        if (!Files.isRegularFile(BUNDLE)) {
            throw new IOException(BUNDLE.toAbsolutePath() + " is missing: `mvn generate-test-resources` copies it (maven-dependency-plugin)");
        }
        try (ZipFile jar = new ZipFile(BUNDLE.toFile())) {
            ZipEntry entry = jar.getEntry(ARCHIVE);
            if (entry == null) {
                throw new IOException(BUNDLE + " holds no " + ARCHIVE);
            }
            try (InputStream in = jar.getInputStream(entry)) {
                return in.readAllBytes();
            }
        }
    }
}

package dev.lookupkeeper.testing;

import dev.lookupkeeper.config.ConnectionSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/** Testcontainers' PostgreSQL, used only where a Docker engine answers. */
final class ContainerCluster implements PgCluster {
    private final PostgreSQLContainer<?> container;

    private ContainerCluster(PostgreSQLContainer<?> container) {
        this.container = container;
    }

    static boolean dockerAvailable() {
        if ("false".equals(System.getenv("LOOKUPKEEPER_TEST_DOCKER"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    @SuppressWarnings("resource")
    static ContainerCluster start(Map<String, String> settings) {
        List<String> cmd = new ArrayList<>(List.of("postgres"));
        settings.forEach((k, v) -> {
            cmd.add("-c");
            cmd.add(k + "=" + v);
        });
        PostgreSQLContainer<?> c = new PostgreSQLContainer<>("postgres:16")
                .withUsername("postgres")
                .withPassword(LocalBinariesCluster.PASSWORD)
                .withDatabaseName("postgres")
                .withCommand(cmd.toArray(String[]::new));
        c.start();
        return new ContainerCluster(c);
    }

    @Override
    public ConnectionSettings admin() {
        return new ConnectionSettings(container.getHost(), container.getMappedPort(5432), "postgres", "postgres", LocalBinariesCluster.PASSWORD, "disable");
    }

    @Override
    public String kind() {
        return "testcontainers " + container.getDockerImageName();
    }

    @Override
    public void close() {
        container.stop();
    }
}

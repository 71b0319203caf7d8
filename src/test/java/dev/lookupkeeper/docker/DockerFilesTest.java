package dev.lookupkeeper.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lookupkeeper.cli.Main;
import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import dev.lookupkeeper.config.SettingsLoader;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * No Docker engine runs here, so the files in docker/ are checked by reading them: every
 * lookupkeeper service's command parses with the real CLI, its environment uses only names the
 * code reads, its HTTP port matches, every mounted file exists, and the Debezium connector's
 * publication, columns and topic agree with what lookupkeeper creates and consumes.
 */
class DockerFilesTest {
    private static final Path DOCKER = Path.of("docker");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @ParameterizedTest
    @ValueSource(strings = {"compose.cdc.yaml", "compose.kafka.yaml"})
    void composeFilesAgreeWithTheCode(String file) throws Exception {
        JsonNode compose = YAML.readTree(DOCKER.resolve(file).toFile());
        JsonNode services = compose.get("services");
        assertThat(services.get("postgres")).as("a PostgreSQL service").isNotNull();
        assertThat(services.get("postgres").get("command").toString()).contains("wal_level=logical");
        Set<String> known = knownEnvironment();
        int lookupkeepers = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode svc = e.getValue();
            for (JsonNode vol : iterable(svc.get("volumes"))) {
                String host = vol.asText().split(":")[0];
                if (host.startsWith(".")) {
                    assertThat(DOCKER.resolve(host).normalize()).as(e.getKey() + " mounts " + host).exists();
                }
            }
            JsonNode build = svc.get("build");
            if (build == null) {
                continue;
            }
            lookupkeepers++;
            assertThat(DOCKER.resolve(build.get("context").asText()).resolve(build.get("dockerfile").asText()).normalize()).exists();
            List<String> command = new ArrayList<>();
            svc.get("command").forEach(n -> command.add(n.asText()));
            CommandLine cli = new CommandLine(new Main());
            cli.parseArgs(command.toArray(String[]::new)); // throws on an unknown command or flag
            for (Iterator<String> names = svc.get("environment").fieldNames(); names.hasNext(); ) {
                String name = names.next();
                assertThat(known).as(e.getKey() + " sets " + name + ", which lookupkeeper does not read").contains(name);
            }
            JsonNode port = svc.get("environment").get("LOOKUPKEEPER_HTTP_PORT");
            if (port != null) {
                assertThat(svc.get("ports").get(0).asText()).as(e.getKey() + " publishes its HTTP port").endsWith(":" + port.asText());
            }
            for (JsonNode secret : iterable(svc.get("secrets"))) {
                assertThat(command).as("the password comes from the secret file").contains("/run/secrets/" + secret.asText());
            }
        }
        assertThat(lookupkeepers).isPositive();
        for (Iterator<Map.Entry<String, JsonNode>> it = compose.get("secrets").fields(); it.hasNext(); ) {
            JsonNode secret = it.next().getValue();
            assertThat(secret.get("file")).as("a secret from a file in the repository").isNull();
            assertThat(secret.get("environment").asText()).as("the secret comes from the operator's environment").isNotBlank();
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            for (JsonNode port : iterable(e.getValue().get("ports"))) {
                assertThat(port.asText()).as(e.getKey() + " publishes " + port.asText() + " on this host only").startsWith("127.0.0.1:");
            }
        }
        // Prometheus scrapes every lookupkeeper that serves HTTP, at its port; Grafana gets the dashboard and the data source
        JsonNode prometheus = services.get("prometheus");
        String promFile = prometheus.get("volumes").get(0).asText().split(":")[0];
        JsonNode prom = YAML.readTree(DOCKER.resolve(promFile).toFile());
        Set<String> targets = new HashSet<>();
        prom.get("scrape_configs").get(0).get("static_configs").get(0).get("targets").forEach(t -> targets.add(t.asText()));
        Set<String> serving = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode env = e.getValue().get("environment");
            if (env != null && env.get("LOOKUPKEEPER_HTTP_PORT") != null) {
                serving.add(e.getKey() + ":" + env.get("LOOKUPKEEPER_HTTP_PORT").asText());
                assertThat(env.get("LOOKUPKEEPER_HTTP_BIND").asText()).as(e.getKey() + " listens where Prometheus reaches it").isEqualTo("0.0.0.0");
            }
        }
        assertThat(targets).isEqualTo(serving);
        List<String> grafanaMounts = new ArrayList<>();
        services.get("grafana").get("volumes").forEach(v -> grafanaMounts.add(v.asText()));
        assertThat(grafanaMounts).anyMatch(v -> v.startsWith("./grafana/dashboards:/var/lib/grafana/dashboards"));
        JsonNode provider = YAML.readTree(DOCKER.resolve("grafana/provisioning/dashboards/lookupkeeper.yaml").toFile());
        assertThat(provider.get("providers").get(0).get("options").get("path").asText()).isEqualTo("/var/lib/grafana/dashboards");
        JsonNode datasource = YAML.readTree(DOCKER.resolve("grafana/provisioning/datasources/prometheus.yaml").toFile());
        assertThat(datasource.get("datasources").get(0).get("url").asText()).isEqualTo("http://prometheus:9090");
    }

    /** Every series the dashboard queries is one the sidecar exports, and it shows what operators look at. */
    @Test
    void dashboardQueriesOnlyWhatTheSidecarExports() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DOCKER.resolve("grafana/dashboards/lookupkeeper.json").toFile());
        String scrape = new dev.lookupkeeper.http.Metrics(new dev.lookupkeeper.core.PipelineStats()).scrape();
        Set<String> exported = new HashSet<>();
        Matcher line = Pattern.compile("(?m)^(lookupkeeper_[a-z_]+)").matcher(scrape);
        while (line.find()) {
            exported.add(line.group(1));
        }
        Set<String> queried = new HashSet<>();
        List<String> titles = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            titles.add(panel.get("title").asText());
            for (JsonNode target : panel.get("targets")) {
                assertThat(target.get("datasource").get("uid").asText()).isEqualTo("prometheus");
                Matcher m = Pattern.compile("lookupkeeper_[a-z_]+").matcher(target.get("expr").asText());
                while (m.find()) {
                    queried.add(m.group());
                }
            }
        }
        assertThat(exported).as("series the dashboard queries").containsAll(queried);
        assertThat(queried).contains("lookupkeeper_lag_seconds_bucket", "lookupkeeper_events_total", "lookupkeeper_rows_upserted_total",
                "lookupkeeper_batch_write_seconds_bucket", "lookupkeeper_retained_wal_bytes", "lookupkeeper_mode_cdc", "lookupkeeper_strict",
                "lookupkeeper_leader", "lookupkeeper_standby");
        assertThat(titles).hasSizeGreaterThanOrEqualTo(8);
    }

    @Test
    void kafkaComposeRunsTwoReplicasInOneGroupOnTheConnectorsTopic() throws Exception {
        JsonNode services = YAML.readTree(DOCKER.resolve("compose.kafka.yaml").toFile()).get("services");
        JsonNode connector = new ObjectMapper().readTree(DOCKER.resolve("debezium-connector.json").toFile());
        Settings defaults = new SettingsLoader(Map.of()).load(null, Map.of());
        assertThat(connector.get("publication.name").asText()).isEqualTo(defaults.publication());
        assertThat(connector.get("publication.autocreate.mode").asText()).isEqualTo("disabled");
        assertThat(connector.get("column.include.list").asText())
                .isEqualTo("queen.messages.id,queen.messages.partition_id,queen.messages.created_at");
        assertThat(connector.get("table.include.list").asText()).isEqualTo("queen.messages");
        assertThat(connector.get("time.precision.mode").asText()).isEqualTo("adaptive");
        String slot = Identifiers.validate("slot.name", connector.get("slot.name").asText());
        assertThat(slot).as("the connector's slot is not lookupkeeper's").isNotEqualTo(defaults.slot());
        assertThat(connector.get("database.password").asText()).startsWith("${dir:/run/secrets:");
        Set<String> groups = new HashSet<>();
        int replicas = 0;
        for (String name : List.of("lookupkeeper-1", "lookupkeeper-2")) {
            JsonNode env = services.get(name).get("environment");
            assertThat(env.get("LOOKUPKEEPER_KAFKA_TOPIC_PREFIX").asText()).isEqualTo(connector.get("topic.prefix").asText());
            assertThat(env.get("LOOKUPKEEPER_KAFKA_BOOTSTRAP").asText()).isEqualTo(services.get("connect").get("environment").get("BOOTSTRAP_SERVERS").asText());
            groups.add(env.get("LOOKUPKEEPER_KAFKA_GROUP").asText());
            assertThat(services.get(name).get("command").toString()).contains("\"--source\",\"kafka\"");
            replicas++;
        }
        assertThat(replicas).isEqualTo(2);
        assertThat(groups).as("one consumer group shared by both").hasSize(1);
    }

    @Test
    void dockerfileIsMultiStageAndRunsAsNonRoot() throws Exception {
        String df = Files.readString(DOCKER.resolve("Dockerfile"));
        assertThat(Pattern.compile("(?m)^FROM ").matcher(df).results().count()).as("multi-stage").isGreaterThanOrEqualTo(2);
        Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(df);
        assertThat(user.find()).isTrue();
        assertThat(user.group(1)).isNotIn("root", "0");
        assertThat(df).contains("target/lookupkeeper.jar").contains("COPY sql sql");
    }

    /** PG* as libpq reads them, LOOKUPKEEPER_* from the settings keys and the run command's env defaults. */
    private static Set<String> knownEnvironment() throws Exception {
        Set<String> names = new HashSet<>(Set.of("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE"));
        for (String key : List.of("queue-schema", "schema", "publication", "slot", "max-batch-size", "poll-interval-ms", "backfill-chunk",
                "connect-attempts", "db-url", "password-file")) {
            names.add("LOOKUPKEEPER_" + key.toUpperCase().replace('-', '_'));
        }
        Class<?> run = Class.forName("dev.lookupkeeper.cli.RunCommand");
        Pattern env = Pattern.compile("\\$\\{env:([A-Z_]+)");
        for (Field f : run.getDeclaredFields()) {
            CommandLine.Option o = f.getAnnotation(CommandLine.Option.class);
            if (o != null) {
                Matcher m = env.matcher(o.defaultValue());
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertThat(names).contains("LOOKUPKEEPER_HTTP_PORT", "LOOKUPKEEPER_KAFKA_BOOTSTRAP");
        return names;
    }

    private static Iterable<JsonNode> iterable(JsonNode n) {
        return n == null ? List.of() : n;
    }
}

package dev.lookupkeeper.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lookupkeeper.testing.PgDatabase;
import dev.lookupkeeper.testing.Sidecar;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's small edges: an unknown host named, a version, an unknown queue warned about, ties in one order, status complete,
 * bench's bad options refused.
 */
class SmallEdgesIT {
    @RegisterExtension
    static final PgDatabase db = new PgDatabase();

    @Test
    void anUnknownHostIsNamed() throws Exception {
        Map<String, String> env = new HashMap<>(db.env());
        env.put("PGHOST", "no-such-host.invalid");
        Sidecar.Result r = Sidecar.run(env, "status", "--connect-attempts", "1");
        assertThat(r.exitCode()).as(r.output()).isEqualTo(3);
        assertThat(r.output()).contains("unknown host no-such-host.invalid").doesNotContain("\tat ");
    }

    @Test
    void benchRefusesAPostgresBinWithoutInitdb() throws Exception {
        Sidecar.Result r = Sidecar.run(db.env(), "bench", "--suite", "latency", "--postgres-bin", "/no/such/bin");
        assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
        assertThat(r.output()).contains("--postgres-bin /no/such/bin: no initdb there").doesNotContain("\tat ");
    }

    @Test
    void benchRefusesAnFsyncNeitherOnNorOff() throws Exception {
        Sidecar.Result r = Sidecar.run(db.env(), "bench", "--suite", "latency", "--fsync", "sometimes");
        assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
        assertThat(r.output()).contains("--fsync must be on or off, not 'sometimes'").doesNotContain("\tat ");
    }

    @Test
    void benchRefusesASidecarSocketNeitherTcpNorUnix() throws Exception {
        Sidecar.Result r = Sidecar.run(db.env(), "bench", "--suite", "contended", "--sidecar-socket", "pipe");
        assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
        assertThat(r.output()).contains("--sidecar-socket must be tcp or unix, not 'pipe'").doesNotContain("\tat ");
    }

    @Test
    void benchSuitesAreNamed() throws Exception {
        Sidecar.Result r = Sidecar.run(db.env(), "bench", "--suite", "fastest");
        assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
        assertThat(r.output()).contains("contended or latency");
    }

    @Test
    void theVersionIsTheProjects() throws Exception {
        Sidecar.Result r = Sidecar.run(db.env(), "--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.output().trim()).matches("lookupkeeper \\d+\\.\\d+\\.\\d+.*").doesNotContain("dev");
    }

    @Test
    void unknownQueueWarnsTiesComeInOneOrderAndStatusNamesTheSelectionPublication() throws Exception {
        assertThat(Sidecar.run(db.env(), "install").exitCode()).isZero();
        Sidecar.Result nope = Sidecar.run(db.env(), "select", "--queue", "nope", "--json");
        assertThat(nope.exitCode()).as(nope.output()).isZero();
        assertThat(nope.output()).contains("warning: queue 'nope' does not exist").contains("[ ]");

        List<UUID> partitions = db.createQueues("ties", 1, 8);
        // one transaction: every newest message shares now(), so only the tie-break orders them
        db.execute("INSERT INTO queen.messages (transaction_id, partition_id, payload) SELECT 'tie-' || p.id, p.id, '{}'"
                + " FROM queen.partitions p JOIN queen.queues q ON q.id = p.queue_id WHERE q.name = 'ties-0'");
        db.execute("INSERT INTO queen.partition_lookup (queue_name, partition_id, last_message_id, last_message_created_at)"
                + " SELECT 'ties-0', m.partition_id, m.id, m.created_at FROM queen.messages m WHERE m.transaction_id LIKE 'tie-%'"
                + " ON CONFLICT (queue_name, partition_id) DO NOTHING");
        List<String> expected = new ArrayList<>(partitions.stream().map(UUID::toString).toList());
        expected.sort(null); // PostgreSQL orders uuids by their bytes: the hex text's order
        for (int i = 0; i < 3; i++) {
            Sidecar.Result r = Sidecar.run(db.env(), "select", "--queue", "ties-0", "--all", "--json");
            assertThat(r.exitCode()).as(r.output()).isZero();
            JsonNode list = new ObjectMapper().readTree(r.output().substring(r.output().indexOf('[')));
            List<String> ids = new ArrayList<>();
            list.forEach(n -> ids.add(n.get("id").asText()));
            assertThat(ids).as("ties in partition id order, every time").isEqualTo(expected);
        }

        Sidecar.Result status = Sidecar.run(db.env(), "status");
        assertThat(status.output()).contains("selection publication: lookupkeeper_messages_selection on ");
    }
}

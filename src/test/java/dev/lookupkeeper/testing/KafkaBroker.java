package dev.lookupkeeper.testing;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A real Kafka broker (KRaft, combined controller and broker) in this JVM, one per test run. */
public final class KafkaBroker {
    private static KafkaClusterTestKit cluster;

    private KafkaBroker() {}

    public static synchronized String bootstrapServers() {
        if (cluster == null) {
            try {
                // Kafka ends its process on some fatal faults (Exit.halt / Exit.exit): in the test JVM
                // that would end every test's run, and the build would report a failed fork
                org.apache.kafka.common.utils.Exit.setHaltProcedure((code, message) ->
                        System.err.println("[tests] Kafka asked to halt (" + code + "): " + message));
                org.apache.kafka.common.utils.Exit.setExitProcedure((code, message) ->
                        System.err.println("[tests] Kafka asked to exit (" + code + "): " + message));
                KafkaClusterTestKit c = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .setConfigProp("num.partitions", "4")
                        .build();
                c.format();
                c.startup();
                c.waitForReadyBrokers();
                cluster = c;
                SuiteResources.closeAtEnd(c);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        c.close();
                    } catch (Exception e) {
                        // shutting down anyway
                    }
                }));
                System.err.println("[tests] Kafka broker (KRaft, in-process) at " + c.bootstrapServers());
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the in-process Kafka broker: " + e.getMessage(), e);
            }
        }
        return cluster.bootstrapServers();
    }

    public static void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }
}

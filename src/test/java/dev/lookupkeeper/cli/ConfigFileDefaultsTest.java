package dev.lookupkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lookupkeeper.config.ConfigException;
import dev.lookupkeeper.config.SettingsLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `run --config` takes every key its flags have; a flag wins over the file; a key run does not have is refused. */
class ConfigFileDefaultsTest {
    @TempDir
    Path dir;

    private RunCommand parseRun(String... args) {
        CommandLine cl = new CommandLine(new Main());
        ConfigFileDefaults.install(cl, args);
        return (RunCommand) cl.parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void runTakesItsOwnKeysFromTheFileAndFlagsWin() throws Exception {
        Path file = dir.resolve("lk.yaml");
        Files.writeString(file, "http-port: 18099\nheartbeat-ms: 2500\nsource: debezium\nslot: from_file\non-slot-lost: exit\n");
        RunCommand run = parseRun("run", "--config", file.toString());
        assertThat(run.httpPort).isEqualTo(18099);
        assertThat(run.heartbeat).isEqualTo(Duration.ofMillis(2500));
        assertThat(run.source).isEqualTo("debezium");
        assertThat(run.onSlotLost).isEqualTo("exit");
        assertThat(new SettingsLoader(Map.of("PGDATABASE", "q")).load(file, Map.of()).slot()).isEqualTo("from_file");

        RunCommand flagged = parseRun("run", "--config=" + file, "--http-port", "18100");
        assertThat(flagged.httpPort).as("a flag wins over the file").isEqualTo(18100);
        assertThat(flagged.source).isEqualTo("debezium");
    }

    @Test
    void aKeyRunDoesNotHaveIsRefusedAndOneFileServesEveryCommand() throws Exception {
        parseRun("run"); // registers every command's keys
        Path shared = dir.resolve("shared.yaml");
        Files.writeString(shared, "http-port: 18099\nslot: s1\n");
        assertThat(new SettingsLoader(Map.of("PGDATABASE", "q")).load(shared, Map.of()).slot()).isEqualTo("s1");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "drop-table: true\n"); // uninstall's: never armed by a shared file
        assertThatThrownBy(() -> new SettingsLoader(Map.of("PGDATABASE", "q")).load(bad, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown option 'drop-table'").hasMessageContaining("http-port");
    }
}

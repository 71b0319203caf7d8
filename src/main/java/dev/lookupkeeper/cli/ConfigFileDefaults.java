package dev.lookupkeeper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lookupkeeper.config.SettingsLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code --config} file's values for run's own options (those {@link SettingsLoader} does not
 * read: {@code http-port}, {@code source}, {@code heartbeat-ms}, …), as picocli defaults:
 * a flag wins over the file, and so does the option's {@code LOOKUPKEEPER_*} variable. The
 * settings keys (connection, names, batch sizes, consistency) stay with {@link SettingsLoader},
 * which applies the same order. A file that cannot be read yields no defaults here: the
 * settings loader names the problem.
 */
final class ConfigFileDefaults implements CommandLine.IDefaultValueProvider {
    private static final String RUN = "run";
    private final JsonNode root;

    private ConfigFileDefaults(JsonNode root) {
        this.root = root;
    }

    /** Installs the file named by {@code --config} in args (if any) on the whole command tree. */
    static void install(CommandLine cl, String[] args) {
        SettingsLoader.acceptKeys(optionKeys(cl));
        Path file = configFile(args);
        if (file == null || !Files.isReadable(file)) {
            return;
        }
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            if (root != null && root.isObject()) {
                cl.setDefaultValueProvider(new ConfigFileDefaults(root));
            }
        } catch (IOException e) {
            // the settings loader reports an invalid file with its position
        }
    }

    /** The value of {@code --config FILE} or {@code --config=FILE}. */
    static Path configFile(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        return null;
    }

    /**
     * The long option names of `run`, without dashes: the keys a config file may hold besides the
     * settings. Only run's: a shared file must not arm another command's options (uninstall's
     * drop-table, select's limit) for every command that reads it.
     */
    static Set<String> optionKeys(CommandLine cl) {
        Set<String> keys = new TreeSet<>();
        CommandLine run = cl.getSubcommands().get(RUN);
        if (run == null) {
            return keys;
        }
        for (OptionSpec o : run.getCommandSpec().options()) {
            String name = o.longestName();
            if (name.startsWith("--") && !o.usageHelp() && !o.versionHelp() && !name.equals("--config")) {
                keys.add(name.substring(2));
            }
        }
        return keys;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec o) || !o.longestName().startsWith("--") || o.command() == null
                || !RUN.equals(o.command().name())) {
            return null; // only run's own options come from the file
        }
        String key = o.longestName().substring(2);
        if (SettingsLoader.settingsKeys().contains(key)) {
            return null; // the settings loader reads these, between the environment and the flags
        }
        if (System.getenv("LOOKUPKEEPER_" + key.toUpperCase(Locale.ROOT).replace('-', '_')) != null) {
            return null; // the variable wins over the file (the annotation's default reads it)
        }
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(x -> items.add(x.asText()));
            return String.join(",", items);
        }
        return v.asText();
    }
}

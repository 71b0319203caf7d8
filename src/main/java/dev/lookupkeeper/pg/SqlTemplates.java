package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads SQL from {@code sql/} on the class path. The only thing substituted into the text is a
 * validated, quoted identifier ({{schema}}, {{queue_schema}}, {{publication}}); values are always
 * bound parameters. An unknown placeholder fails loudly rather than leaving braces in SQL.
 */
public final class SqlTemplates {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");
    private static final Map<String, String> RAW = new ConcurrentHashMap<>();

    private final Map<String, String> identifiers;

    public SqlTemplates(Map<String, String> identifiers) {
        this.identifiers = Map.copyOf(identifiers);
    }

    public static SqlTemplates of(Settings s) {
        return forTable(s, Identifiers.quote(s.queueSchema()) + ".partition_lookup");
    }

    /** @param lookupTable quoted, schema-qualified table that {{lookup_table}} stands for */
    public static SqlTemplates forTable(Settings s, String lookupTable) {
        return new SqlTemplates(Map.of(
                "queue_schema", Identifiers.quote(s.queueSchema()),
                "schema", Identifiers.quote(s.schema()),
                "publication", Identifiers.quote(s.publication()),
                "selection_publication", Identifiers.quote(s.selectionPublication()),
                "lookup_table", lookupTable));
    }

    /**
     * The same templates plus one clause of SQL (not an identifier): only the fixed texts the
     * callers pass, never input.
     */
    public SqlTemplates withClause(String key, String clause) {
        java.util.Map<String, String> m = new java.util.HashMap<>(identifiers);
        m.put(key, clause);
        return new SqlTemplates(m);
    }

    public String get(String name) {
        String raw = RAW.computeIfAbsent(name, SqlTemplates::read);
        Matcher m = PLACEHOLDER.matcher(raw);
        StringBuilder out = new StringBuilder(raw.length() + 64);
        while (m.find()) {
            String value = identifiers.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("sql/" + name + " uses unknown placeholder " + m.group());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String read(String name) {
        try (InputStream in = SqlTemplates.class.getClassLoader().getResourceAsStream("sql/" + name)) {
            if (in == null) {
                throw new IllegalStateException("sql/" + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

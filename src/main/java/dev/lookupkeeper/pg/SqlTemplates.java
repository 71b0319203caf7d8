package dev.lookupkeeper.pg;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads SQL from {@code sql/} on the class path. The only thing substituted into the text is a
 * validated, quoted identifier ({{schema}}, {{queue_schema}}, {{publication}}); values are always
 * bound parameters. An unknown placeholder fails loudly rather than leaving braces in SQL.
 *
 * <p>SQL written once and used by several statements lives in {@code sql/fragments/} and is pulled
 * in by a line of its own, {@code {{> fragments/name.sql}}}. Includes are resolved when a file is
 * first read (fragments may include fragments; a cycle fails), before the identifiers are
 * substituted, so a fragment uses the same placeholders as any other file. The fragment's leading
 * comment lines describe it and are not copied; its lines take the indentation of the include.
 */
public final class SqlTemplates {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");
    private static final Pattern INCLUDE = Pattern.compile("(?m)^([ \\t]*)\\{\\{>\\s*([a-z0-9_]+(?:/[a-z0-9_]+)*\\.sql)\\s*}}[ \\t]*$");
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
        String raw = RAW.computeIfAbsent(name, n -> expand(n, new ArrayDeque<>()));
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
        if (out.indexOf("{{") >= 0) {
            throw new IllegalStateException("sql/" + name + " has braces that are neither a placeholder nor an include on a line of its own");
        }
        return out.toString();
    }

    /** The file's text with every include replaced by its fragment; {@code open} holds the files being expanded. */
    private static String expand(String name, Deque<String> open) {
        if (open.contains(name)) {
            StringBuilder chain = new StringBuilder();
            open.descendingIterator().forEachRemaining(f -> chain.append(f).append(" > "));
            throw new IllegalStateException("sql/" + name + " includes itself: " + chain + name);
        }
        open.push(name);
        String text = read(name);
        Matcher m = INCLUDE.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 256);
        while (m.find()) {
            String indent = m.group(1);
            String body = withoutHeader(expand(m.group(2), open));
            m.appendReplacement(out, Matcher.quoteReplacement(indent + body.replace("\n", "\n" + indent)));
        }
        m.appendTail(out);
        open.pop();
        return out.toString();
    }

    /** A fragment without its leading comment lines and its final line break. */
    private static String withoutHeader(String fragment) {
        String[] lines = fragment.split("\n", -1);
        int first = 0;
        while (first < lines.length && lines[first].strip().startsWith("--")) {
            first++;
        }
        return String.join("\n", Arrays.copyOfRange(lines, first, lines.length)).stripTrailing();
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

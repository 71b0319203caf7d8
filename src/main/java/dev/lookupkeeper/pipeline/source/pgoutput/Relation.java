package dev.lookupkeeper.pipeline.source.pgoutput;

import java.util.List;

/**
 * A table as a pgoutput Relation message describes it: only the columns the publication ships, in
 * the order tuples carry them.
 */
public record Relation(int oid, String schema, String table, List<String> columns) {
    /** Index of a column in this relation's tuples, or -1 when the publication does not ship it. */
    public int column(String name) {
        return columns.indexOf(name);
    }
}

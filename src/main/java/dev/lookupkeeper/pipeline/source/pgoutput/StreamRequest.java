package dev.lookupkeeper.pipeline.source.pgoutput;

import dev.lookupkeeper.config.Identifiers;
import dev.lookupkeeper.core.Lsns;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a native stream asks the server for.
 *
 * @param slot an existing logical slot with the pgoutput plugin (the reader never creates one)
 * @param publications the publication set; one walsender decodes the WAL once for all of them
 * @param startLsn the stored checkpoint (0: the slot's confirmed position)
 * @param logicalMessages whether to receive logical decoding messages (PostgreSQL 14+)
 * @param binary whether to ask for column values in their types' binary form (PostgreSQL 14+; the
 *               source asks for text from older servers)
 */
public record StreamRequest(String slot, List<String> publications, long startLsn, boolean logicalMessages, boolean binary) {
    /**
     * Text values unless {@code -Dlk.pgoutput.binary=true}: binary did not cut the reader's CPU
     * (13.5–14.2 vs 13.8–14.6 µs per event at 10,000 msg/s, runs interleaved; wake-ups and system
     * calls dominate, not parsing), so it stays a switch to measure with, not the default.
     */
    public StreamRequest(String slot, List<String> publications, long startLsn, boolean logicalMessages) {
        this(slot, publications, startLsn, logicalMessages, "true".equals(System.getProperty("lk.pgoutput.binary")));
    }

    public StreamRequest {
        Identifiers.validate("--slot", slot);
        publications = List.copyOf(publications);
        publications.forEach(p -> Identifiers.validate("--publication", p));
    }

    /** The same request for a server that cannot send binary values. */
    StreamRequest inText() {
        return new StreamRequest(slot, publications, startLsn, logicalMessages, false);
    }

    /** pgoutput's publication_names: a comma-separated list of (quoted) identifiers. */
    String publicationNames() {
        return publications.stream().map(p -> "\"" + p + "\"").collect(Collectors.joining(","));
    }

    /** START_REPLICATION for this logical slot (identifiers validated above). */
    String startCommand() {
        StringBuilder options = new StringBuilder("proto_version '1', publication_names '").append(publicationNames()).append('\'');
        if (logicalMessages) {
            options.append(", messages 'true'");
        }
        if (binary) {
            options.append(", binary 'true'");
        }
        return "START_REPLICATION SLOT \"" + slot + "\" LOGICAL " + Lsns.format(startLsn) + " (" + options + ")";
    }
}

package dev.lookupkeeper.selection;

import java.sql.SQLException;
import java.util.List;

/** Anything that answers the selection: SQL on the lookup table, or the in-memory model. */
@FunctionalInterface
public interface CandidateSource {
    /** @param group null for the queue mode's default group; arguments already validated */
    List<PartitionSelector.Candidate> candidates(String queue, String group, int limit) throws SQLException;
}

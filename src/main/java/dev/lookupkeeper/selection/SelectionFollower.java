package dev.lookupkeeper.selection;

import dev.lookupkeeper.pipeline.sink.StreamBatchSink;
import java.sql.Connection;
import java.sql.SQLException;

/** The in-memory selection as the stream sees it: loaded before the stream starts, then fed every applied batch. */
public interface SelectionFollower extends StreamBatchSink.Follower {
    /** Reads the selection's tables (a snapshot); the stream's later batches bring it up to date. */
    void load(Connection c) throws SQLException;
}

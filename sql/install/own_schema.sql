-- lookupkeeper's own objects. Everything it needs to restart lives here, not on a local disk.
CREATE SCHEMA IF NOT EXISTS {{schema}};

-- One row: the mode the sidecar follows, a switch in progress, and the sidecar's last sign of life.
CREATE TABLE IF NOT EXISTS {{schema}}.state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    mode text NOT NULL DEFAULT 'cdc' CHECK (mode IN ('cdc', 'trigger')),
    switch_target text CHECK (switch_target IN ('cdc', 'trigger')),
    switch_step text,
    switch_watermark bigint,
    switch_started_at timestamptz,
    sidecar_seen_at timestamptz,
    sidecar_streaming boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO {{schema}}.state (singleton) VALUES (true) ON CONFLICT DO NOTHING;
-- Strict consistency: what the streaming sidecar promises, and when its guard last failed open
-- (relaxed synchronous_standby_names because no stream confirmed commits within --strict-failover).
ALTER TABLE {{schema}}.state ADD COLUMN IF NOT EXISTS consistency text NOT NULL DEFAULT 'eventual';
ALTER TABLE {{schema}}.state ADD COLUMN IF NOT EXISTS application_name text;
ALTER TABLE {{schema}}.state ADD COLUMN IF NOT EXISTS strict_relaxed_at timestamptz;
ALTER TABLE {{schema}}.state ADD COLUMN IF NOT EXISTS strict_relaxed_reason text;

-- One row per stream ('main' feeds queen.partition_lookup, 'shadow' the parity table): bootstrap
-- progress and the sink's checkpoint, moved by the same statement that upserts a batch.
CREATE TABLE IF NOT EXISTS {{schema}}.streams (
    stream text PRIMARY KEY,
    slot_name text,
    bootstrap_status text NOT NULL DEFAULT 'pending' CHECK (bootstrap_status IN ('pending', 'backfilling', 'done')),
    backfill_after uuid,
    backfill_rows bigint NOT NULL DEFAULT 0,
    applied_watermark bigint NOT NULL DEFAULT 0,
    skipped_events bigint NOT NULL DEFAULT 0,
    last_batch_at timestamptz,
    last_batch_lsn pg_lsn,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO {{schema}}.streams (stream) VALUES ('main') ON CONFLICT DO NOTHING;
-- The native reader's checkpoint: the commit end LSN of the last transaction applied, moved in the
-- transaction that applied it. The stream restarts here; a slot confirmed past it was moved by
-- someone else (the gap is unknowable) and is re-bootstrapped.
ALTER TABLE {{schema}}.streams ADD COLUMN IF NOT EXISTS checkpoint_lsn pg_lsn;
-- Transactions the stream delivered but could not settle yet (their partitions not visible): the
-- checkpoint stays at held_from_lsn until they are (sql/checkpoint/held_state.sql).
ALTER TABLE {{schema}}.streams ADD COLUMN IF NOT EXISTS held_transactions integer NOT NULL DEFAULT 0;
ALTER TABLE {{schema}}.streams ADD COLUMN IF NOT EXISTS held_since timestamptz;
ALTER TABLE {{schema}}.streams ADD COLUMN IF NOT EXISTS held_from_lsn pg_lsn;
-- The last time the stream was bootstrapped again, and why (a slot dropped or moved from outside, or
-- missing after a failover): `status` shows it.
ALTER TABLE {{schema}}.streams ADD COLUMN IF NOT EXISTS rebootstrapped_at timestamptz;
ALTER TABLE {{schema}}.streams ADD COLUMN IF NOT EXISTS rebootstrap_reason text;

-- Debezium's source offsets per stream (key/value bytes as Kafka Connect serialises them).
CREATE TABLE IF NOT EXISTS {{schema}}.source_offsets (
    stream text NOT NULL,
    offset_key bytea NOT NULL,
    offset_value bytea,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream, offset_key)
);

-- Rows inserted here travel through the publication: when a stream has applied watermark W,
-- every message committed before W was inserted has been applied by it too.
CREATE TABLE IF NOT EXISTS {{schema}}.watermark (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The shadow lookup `run --shadow` maintains from the stream while the trigger maintains the real
-- one; `verify --parity` compares the two.
CREATE TABLE IF NOT EXISTS {{schema}}.shadow_lookup (
    queue_name varchar(255) NOT NULL,
    partition_id uuid NOT NULL,
    last_message_id uuid NOT NULL,
    last_message_created_at timestamptz NOT NULL,
    updated_at timestamptz DEFAULT now(),
    UNIQUE (queue_name, partition_id)
) WITH (fillfactor = 50);

-- The commit levels install set for the queue's sessions (ALTER DATABASE / ALTER ROLE ... IN DATABASE
-- ... SET synchronous_commit): uninstall resets those still at the level recorded here, and no other
-- (a level someone else set is theirs). role_name '' stands for the database itself.
CREATE TABLE IF NOT EXISTS {{schema}}.commit_levels (
    role_name text PRIMARY KEY,
    level text NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now()
);

-- The replay window's clock: (LSN, time) pairs written by the streaming sidecar every few seconds.
-- `replay --from-time T` starts at the newest mark at or before T; marks older than the replay
-- slot's position are deleted as the window moves.
CREATE TABLE IF NOT EXISTS {{schema}}.replay_marks (
    lsn pg_lsn PRIMARY KEY,
    at timestamptz NOT NULL
);

-- One row per running `lookupkeeper run`: its sign of life and its role. The leader is the
-- process whose session holds the leader advisory lock (backend_pid); it alone bootstraps and
-- streams, and alone writes the state row's heartbeat. clock_offset_ms: the database's clock minus
-- the process's, measured at each heartbeat (the in-memory selection judges leases by it).
CREATE TABLE IF NOT EXISTS {{schema}}.instances (
    instance_id text PRIMARY KEY,
    host text NOT NULL,
    pid bigint NOT NULL,
    role text NOT NULL CHECK (role IN ('leader', 'standby', 'stopped')),
    backend_pid integer,
    streaming boolean NOT NULL DEFAULT false,
    clock_offset_ms bigint,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz NOT NULL DEFAULT now()
);

-- lookupkeeper's own objects. Everything it needs to restart lives here, not on a local disk.
CREATE SCHEMA IF NOT EXISTS {{schema}};

-- One row: mode, bootstrap progress and the sink's checkpoint as seen by operators.
CREATE TABLE IF NOT EXISTS {{schema}}.state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    mode text NOT NULL DEFAULT 'cdc' CHECK (mode IN ('cdc', 'trigger')),
    bootstrap_status text NOT NULL DEFAULT 'pending' CHECK (bootstrap_status IN ('pending', 'backfilling', 'done')),
    bootstrap_slot text,
    backfill_after uuid,
    backfill_rows bigint NOT NULL DEFAULT 0,
    applied_watermark bigint NOT NULL DEFAULT 0,
    last_batch_at timestamptz,
    last_batch_lsn pg_lsn,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO {{schema}}.state (singleton) VALUES (true) ON CONFLICT DO NOTHING;

-- Debezium's source offsets (key/value bytes as Kafka Connect serialises them).
CREATE TABLE IF NOT EXISTS {{schema}}.source_offsets (
    offset_key bytea PRIMARY KEY,
    offset_value bytea,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Rows inserted here travel through the publication: when the sink has applied watermark W,
-- every message committed before W was inserted has been applied too.
CREATE TABLE IF NOT EXISTS {{schema}}.watermark (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

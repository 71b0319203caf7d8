-- A heartbeat as a watermark row, for servers without logical decoding messages (before 14) and
-- for the Debezium source, which reads only rows.
INSERT INTO {{schema}}.watermark DEFAULT VALUES

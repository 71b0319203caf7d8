-- PostgreSQL 15+: one UNLOGGED sequence per stream, where strict consistency notes a position it
-- confirms to the server without storing a checkpoint (a keepalive's WAL end, a transaction with
-- nothing for the lookup). setval() on an unlogged sequence writes no WAL and takes no
-- transaction id, so noting a position creates no transaction for the stream to see (a stored
-- checkpoint would: it would draw another keepalive, and another store). The slot check accepts a
-- slot confirmed up to the greater of the checkpoint and this note. After a crash of the server the
-- sequence is reset (unlogged): the check is then stricter, never laxer.
CREATE UNLOGGED SEQUENCE IF NOT EXISTS {{schema}}.confirmed_main AS bigint MINVALUE 0 START 0;
CREATE UNLOGGED SEQUENCE IF NOT EXISTS {{schema}}.confirmed_shadow AS bigint MINVALUE 0 START 0;

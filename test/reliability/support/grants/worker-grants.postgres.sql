-- The tqw WORKER role's rights in one PostgreSQL tenant database: data access to the queue table and
-- to the handler's own tables, nothing else. An administrator runs this AFTER `tqw migrate` (which the
-- administrator also runs: the worker role cannot create, alter or drop anything).
-- Placeholders, replaced by quoted identifiers: {{database}} {{schema}} {{role}}.
-- test/reliability/least-privilege.test.ts runs it and proves both halves: the workers of every
-- reliability scenario run as such a role, and the role is refused everything else.

-- The role itself (once per server): may log in, nothing more. NOINHERIT: rights granted to groups it
-- may later be put in do not silently widen it.
--   CREATE ROLE {{role}} LOGIN PASSWORD '...' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;

-- Only granted roles may connect to the tenant database or create temporary tables in it (by default
-- PUBLIC may do both: CONNECT and TEMPORARY are granted to PUBLIC on every new database).
REVOKE ALL ON DATABASE {{database}} FROM PUBLIC;
GRANT CONNECT ON DATABASE {{database}} TO {{role}};

-- Nobody but the owner creates objects in the queue's schema (PostgreSQL 15+ already revokes CREATE on
-- "public" from PUBLIC; 14 and older grant it). USAGE lets the role name the schema's tables.
REVOKE CREATE ON SCHEMA {{schema}} FROM PUBLIC;
GRANT USAGE ON SCHEMA {{schema}} TO {{role}};

-- The queue table:
--   SELECT  the claim's SELECT ... FOR UPDATE SKIP LOCKED, the fence checks, queue depth, dead-letter listing
--   UPDATE  claim, complete, retry, dead-letter, release, lease heartbeat, requeue
--   INSERT  handlers that enqueue follow-up messages in their transaction (the outbox pattern)
--   DELETE  retention of old Completed and DeadLetter rows
-- Not granted: TRUNCATE, REFERENCES, TRIGGER, and anything on "QueueMigrations" (only `tqw migrate` reads it).
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {{schema}}."QueueMessages" TO {{role}};
-- The error history: INSERT  retry and dead-letter append the failed attempt's error (deleted with
-- its message by the foreign key's ON DELETE CASCADE, which needs no grant).
GRANT INSERT ON TABLE {{schema}}."QueueMessageErrors" TO {{role}};
-- The pause switches (tqw pause): SELECT  every claim and readiness probe reads them. (The console
-- inside `tqw run` would also need INSERT, DELETE; these workers run without it.)
GRANT SELECT ON TABLE {{schema}}."QueuePauses" TO {{role}};
-- The token buckets of rate limits (tenants with "limits"): SELECT, INSERT, UPDATE.
GRANT SELECT, INSERT, UPDATE ON TABLE {{schema}}."QueueLimits" TO {{role}};
-- Recurring schedules: SELECT, INSERT, UPDATE  each occurrence seeds or moves its row's "LastOccurrence".
GRANT SELECT, INSERT, UPDATE ON TABLE {{schema}}."QueueSchedules" TO {{role}};

-- The handler's own tables, with exactly what the handler does to them. The reliability handler
-- RecordTx only inserts into "ReliabilityEffects"; the example ProductUpdate handler would need
-- GRANT SELECT, INSERT, UPDATE ON TABLE {{schema}}."Products" (INSERT ... ON CONFLICT DO UPDATE).
GRANT INSERT ON TABLE {{schema}}."ReliabilityEffects" TO {{role}};

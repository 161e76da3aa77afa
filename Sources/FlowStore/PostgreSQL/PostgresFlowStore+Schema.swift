import Foundation
import Logging
import PostgresNIO

/// The schema: named, append-only migrations, recorded in `flowdesk_migrations`.
extension PostgresFlowStore {
  /// One migration: a name that never changes, and its statements, run in one transaction.
  struct Migration {
    var name: String
    var statements: [String]
  }

  /// Never edit a registered migration: add a new one. Text keys use the "C" collation, so
  /// ids sort and compare by their bytes, as in the SQLite store, whatever the database's
  /// locale.
  static let migrations: [Migration] = [
    Migration(
      name: "v1 flows, participants, contacts, history, outbox, audit",
      statements: [
        "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)",
        """
        CREATE TABLE contacts (
          id text COLLATE "C" PRIMARY KEY,
          email text, mobile text,
          consent boolean NOT NULL DEFAULT false,
          subscriptions text,
          marketing_contact boolean NOT NULL DEFAULT true,
          former_employee boolean NOT NULL DEFAULT false,
          email_bounced boolean NOT NULL DEFAULT false,
          unengaged boolean NOT NULL DEFAULT false,
          company_id text, lifecycle_stage text, properties text, language text
        )
        """,
        "CREATE TABLE companies (id text COLLATE \"C\" PRIMARY KEY, data text NOT NULL)",
        """
        CREATE TABLE flows (
          seq bigserial UNIQUE,
          id text COLLATE "C" PRIMARY KEY,
          version integer NOT NULL,
          status text NOT NULL,
          last_error_at double precision,
          counts text
        )
        """,
        """
        CREATE TABLE flow_versions (
          flow_id text COLLATE "C" NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
          version integer NOT NULL,
          definition text NOT NULL,
          PRIMARY KEY (flow_id, version)
        )
        """,
        """
        CREATE TABLE participants (
          flow_id text COLLATE "C" NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
          contact_id text COLLATE "C" NOT NULL,
          status text NOT NULL,
          step_id text,
          due double precision,
          reason text,
          reason_parameters text,
          entered_at double precision,
          enrolled_at double precision NOT NULL,
          attempt integer NOT NULL,
          waiting boolean NOT NULL,
          branches text,
          actions text,
          email_claim text,
          schedule_token bigint NOT NULL,
          PRIMARY KEY (flow_id, contact_id)
        )
        """,
        """
        CREATE INDEX participants_due_by_flow ON participants(flow_id, due, schedule_token)
          WHERE status = 'active' AND due IS NOT NULL
        """,
        // One active participant per email address in a flow, held by the store for every node.
        """
        CREATE UNIQUE INDEX participants_one_active_per_address ON participants(flow_id, email_claim)
          WHERE status = 'active' AND email_claim IS NOT NULL
        """,
        // No index for the listing order or for contact ids: every index on participants is
        // rewritten for each participant a batch moves (its indexed columns change, so the
        // update cannot be HOT), which is the hot path; a listing or an erasure scans the rows
        // of a flow instead, as on SQLite.
        """
        CREATE TABLE history (
          id bigserial PRIMARY KEY,
          flow_id text COLLATE "C" NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
          time double precision NOT NULL,
          contact_id text COLLATE "C" NOT NULL,
          step_id text,
          code text NOT NULL,
          parameters text NOT NULL
        )
        """,
        "CREATE INDEX history_by_flow ON history(flow_id, time)",
        "CREATE INDEX history_by_time ON history(time)",
        "CREATE INDEX history_by_contact ON history(contact_id)",
        """
        CREATE TABLE outbox (
          idempotency_key text COLLATE "C" PRIMARY KEY,
          flow_id text COLLATE "C" NOT NULL,
          contact_id text COLLATE "C" NOT NULL,
          step_id text NOT NULL,
          attempt integer NOT NULL,
          channel text NOT NULL,
          recipient text NOT NULL,
          created_at double precision NOT NULL,
          sent_at double precision,
          sender text, reply_to text, subject text, body text, html text, language text,
          status text NOT NULL DEFAULT 'pending',
          delivery_attempts integer NOT NULL DEFAULT 0,
          next_attempt_at double precision,
          claimed_until double precision,
          delivered_at double precision,
          last_error_code text,
          last_error_parameters text
        )
        """,
        "CREATE INDEX outbox_due ON outbox(next_attempt_at, created_at) WHERE status = 'pending'",
        "CREATE INDEX outbox_by_time ON outbox(created_at, idempotency_key)",
        "CREATE INDEX outbox_by_flow ON outbox(flow_id, created_at, idempotency_key)",
        "CREATE INDEX outbox_by_contact ON outbox(contact_id)",
        // Who did each lifecycle action and edit. No foreign key: the record of a deletion
        // outlives the flow.
        """
        CREATE TABLE audit (
          id bigserial PRIMARY KEY,
          time double precision NOT NULL,
          flow_id text COLLATE "C" NOT NULL,
          action text NOT NULL,
          actor_role text NOT NULL,
          actor_name text NOT NULL,
          version integer
        )
        """,
        "CREATE INDEX audit_by_flow ON audit(flow_id, id)",
      ]),
    Migration(
      name: "v2 delivery events per message",
      statements: [
        // What providers reported about each message, once per message and kind, for the
        // flow statistics. A record goes with its message.
        """
        CREATE TABLE delivery_events (
          idempotency_key text COLLATE "C" NOT NULL REFERENCES outbox(idempotency_key) ON DELETE CASCADE,
          kind text NOT NULL,
          at double precision NOT NULL,
          bounce text,
          PRIMARY KEY (idempotency_key, kind)
        )
        """
      ]),
    Migration(
      name: "v3 counts, error times and schedule tokens apart from the flow row",
      statements: [
        // Scheduler batches on several nodes advance one flow at once. Each holds a key-share
        // lock on the flow row (a lifecycle operation's row lock waits for it), so none may
        // update that row: what a batch changes about its flow lives in rows of its own.
        // Counts change by deltas, added to one of several rows per status (a slot, chosen by
        // the connection), so batches on several connections seldom wait for each other's
        // commit; a flow's count is the sum of its slots.
        """
        CREATE TABLE flow_counts (
          flow_id text COLLATE "C" NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
          status text COLLATE "C" NOT NULL,
          slot smallint NOT NULL,
          n bigint NOT NULL,
          PRIMARY KEY (flow_id, status, slot)
        )
        """,
        """
        INSERT INTO flow_counts (flow_id, status, slot, n)
        SELECT flow_id, status, 0, count(*) FROM participants GROUP BY flow_id, status
        """,
        """
        CREATE TABLE flow_errors (
          flow_id text COLLATE "C" PRIMARY KEY REFERENCES flows(id) ON DELETE CASCADE,
          last_error_at double precision NOT NULL
        )
        """,
        "INSERT INTO flow_errors SELECT id, last_error_at FROM flows WHERE last_error_at IS NOT NULL",
        "ALTER TABLE flows DROP COLUMN counts, DROP COLUMN last_error_at",
        // Schedule tokens come from a sequence, so batches on several nodes never mint the
        // same one; it starts above every token already given out.
        "CREATE SEQUENCE schedule_tokens",
        """
        SELECT setval('schedule_tokens', GREATEST(1, (SELECT max(schedule_token) FROM participants),
          (SELECT value::bigint - 1 FROM meta WHERE key = 'nextToken')))
        """,
        "DELETE FROM meta WHERE key = 'nextToken'",
      ]),
  ]

  /// Applies the migrations the database lacks, in one transaction under an advisory lock:
  /// nodes that start together wait for each other, and the second finds nothing to do. A
  /// database migrated by a newer Flowdesk is refused.
  /// `through`: only the first migrations, up to this many (a test that upgrades an older
  /// schema); nil, all of them.
  static func migrate(
    _ connection: PostgresConnection, location: String, logger: Logger, through: Int? = nil
  ) async throws {
    try await connection.query("BEGIN", logger: logger)
    do {
      try await connection.query("SELECT pg_advisory_xact_lock(\(Int(migrationLock)))", logger: logger)
      try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS flowdesk_migrations (
          seq serial, name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
        """, logger: logger)
      var applied: Set<String> = []
      for try await name in try await connection.query("SELECT name FROM flowdesk_migrations", logger: logger)
        .decode(String.self)
      {
        applied.insert(name)
      }
      let known = Set(migrations.map(\.name))
      if let unknown = applied.subtracting(known).sorted().first {
        throw StoreError(
          .newerSchema, path: location,
          reason: "was migrated by a newer Flowdesk (\"\(unknown)\"); upgrade Flowdesk to use it")
      }
      for migration in migrations.prefix(through ?? migrations.count) where !applied.contains(migration.name)
      {
        logger.info("migrating the database", metadata: ["migration": "\(migration.name)"])
        for statement in migration.statements {
          try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
        try await connection.query(
          "INSERT INTO flowdesk_migrations (name) VALUES (\(migration.name))", logger: logger)
      }
      try await connection.query("COMMIT", logger: logger)
    } catch {
      _ = try? await connection.query("ROLLBACK", logger: logger)
      throw error
    }
  }
}

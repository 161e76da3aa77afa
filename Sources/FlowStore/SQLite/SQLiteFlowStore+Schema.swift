import FlowEngine
import Foundation
internal import GRDB

/// The schema: named, append-only migrations.
extension SQLiteFlowStore {
  // MARK: Schema

  /// Named, append-only migrations. Never edit a registered migration: add a new one.
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1 flows, participants, contacts, history, outbox") { db in
      // Marks the file as Flowdesk's in the same transaction that creates the schema.
      try db.execute(sql: "PRAGMA application_id = \(applicationID)")
      try db.execute(
        sql: """
          CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE contacts (id TEXT PRIMARY KEY, data BLOB NOT NULL);
          CREATE TABLE companies (id TEXT PRIMARY KEY, data BLOB NOT NULL);
          CREATE TABLE flows (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            last_error_at REAL
          );
          CREATE TABLE flow_versions (
            flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            definition BLOB NOT NULL,
            PRIMARY KEY (flow_id, version)
          );
          CREATE TABLE participants (
            flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
            contact_id TEXT NOT NULL,
            status TEXT NOT NULL,
            step_id TEXT,
            due REAL,
            reason TEXT,
            data BLOB NOT NULL,
            PRIMARY KEY (flow_id, contact_id)
          );
          CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
            time REAL NOT NULL,
            contact_id TEXT NOT NULL,
            step_id TEXT,
            code TEXT NOT NULL,
            parameters BLOB NOT NULL
          );
          CREATE INDEX history_by_flow ON history(flow_id, time);
          CREATE TABLE outbox (
            idempotency_key TEXT PRIMARY KEY,
            flow_id TEXT NOT NULL,
            contact_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            channel TEXT NOT NULL,
            recipient TEXT NOT NULL,
            data BLOB NOT NULL,
            created_at REAL NOT NULL,
            sent_at REAL
          );
          """)
    }
    migrator.registerMigration("v2 indexes for due participants, retention and pending outbox") { db in
      try db.execute(
        sql: """
          CREATE INDEX participants_by_due ON participants(due) WHERE due IS NOT NULL;
          CREATE INDEX history_by_time ON history(time);
          CREATE INDEX outbox_pending ON outbox(created_at) WHERE sent_at IS NULL;
          """)
    }
    migrator.registerMigration("v3 participant fields in columns") { db in
      // Participants written before v3 keep their JSON in `data` and are read from it;
      // from v3 on, `data` is empty and the fields live in columns.
      try db.execute(
        sql: """
          ALTER TABLE participants ADD COLUMN reason_parameters TEXT;
          ALTER TABLE participants ADD COLUMN entered_at REAL;
          ALTER TABLE participants ADD COLUMN enrolled_at REAL;
          ALTER TABLE participants ADD COLUMN attempt INTEGER;
          ALTER TABLE participants ADD COLUMN waiting INTEGER;
          ALTER TABLE participants ADD COLUMN branches TEXT;
          ALTER TABLE participants ADD COLUMN actions TEXT;
          ALTER TABLE participants ADD COLUMN email_claim TEXT;
          ALTER TABLE participants ADD COLUMN schedule_token INTEGER;
          """)
    }
    migrator.registerMigration("v4 contact and outbox fields in columns") { db in
      // As for participants in v3: rows written before keep their JSON in `data`.
      try db.execute(
        sql: """
          ALTER TABLE contacts ADD COLUMN email TEXT;
          ALTER TABLE contacts ADD COLUMN mobile TEXT;
          ALTER TABLE contacts ADD COLUMN consent INTEGER;
          ALTER TABLE contacts ADD COLUMN subscriptions TEXT;
          ALTER TABLE contacts ADD COLUMN marketing_contact INTEGER;
          ALTER TABLE contacts ADD COLUMN former_employee INTEGER;
          ALTER TABLE contacts ADD COLUMN email_bounced INTEGER;
          ALTER TABLE contacts ADD COLUMN unengaged INTEGER;
          ALTER TABLE contacts ADD COLUMN company_id TEXT;
          ALTER TABLE contacts ADD COLUMN lifecycle_stage TEXT;
          ALTER TABLE contacts ADD COLUMN properties TEXT;
          ALTER TABLE outbox ADD COLUMN sender TEXT;
          ALTER TABLE outbox ADD COLUMN reply_to TEXT;
          ALTER TABLE outbox ADD COLUMN subject TEXT;
          ALTER TABLE outbox ADD COLUMN body TEXT;
          """)
    }
    migrator.registerMigration("v5 indexes for paging participants") { db in
      // The host reads participants back as it needs them: the due ones of a flow in
      // schedule order, and the active holder of an email address.
      // The due index replaces v2's, which no query used: every index on a column the
      // commit's upsert sets is rewritten for each participant that moves.
      try db.execute(
        sql: """
          DROP INDEX participants_by_due;
          CREATE INDEX participants_due_by_flow ON participants(flow_id, due, schedule_token)
            WHERE status = 'active' AND due IS NOT NULL;
          CREATE INDEX participants_by_email_claim ON participants(flow_id, email_claim)
            WHERE email_claim IS NOT NULL;
          """)
    }
    migrator.registerMigration("v6 one active participant per email address in a flow") { db in
      // The engine's rule, held by the store too, so it holds with several writers. The
      // unique index also serves the holder lookup, so it replaces v5's.
      try db.execute(
        sql: """
          DROP INDEX participants_by_email_claim;
          CREATE UNIQUE INDEX participants_one_active_per_address ON participants(flow_id, email_claim)
            WHERE status = 'active' AND email_claim IS NOT NULL;
          """)
    }
    migrator.registerMigration("v7 audit trail") { db in
      // Who did each lifecycle action and edit. No foreign key: the record of a deletion
      // outlives the flow.
      try db.execute(
        sql: """
          CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            time REAL NOT NULL,
            flow_id TEXT NOT NULL,
            action TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            actor_name TEXT NOT NULL,
            version INTEGER
          );
          CREATE INDEX audit_by_flow ON audit(flow_id, id);
          """)
    }
    migrator.registerMigration("v8 participant counts kept with each flow") { db in
      // Every operation starts from the store; counting a flow's participants each time
      // would cost as much as the flow is large. The commit keeps these current.
      try db.execute(
        sql: """
          ALTER TABLE flows ADD COLUMN counts TEXT;
          UPDATE flows SET counts = (
            SELECT COALESCE(json_group_object(status, n), '{}')
            FROM (SELECT status, count(*) AS n FROM participants p WHERE p.flow_id = flows.id GROUP BY status));
          """)
    }
    migrator.registerMigration("v9 delivery state of outbox messages") { db in
      // A message is pending, delivered or dead. A worker claims due pending messages by
      // leasing them (`claimed_until`): a lease that expires, because its worker died
      // between sending and recording, makes the message claimable again, and it is sent
      // again under the same webhook id.
      try db.execute(
        sql: """
          ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending';
          ALTER TABLE outbox ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE outbox ADD COLUMN next_attempt_at REAL;
          ALTER TABLE outbox ADD COLUMN claimed_until REAL;
          ALTER TABLE outbox ADD COLUMN delivered_at REAL;
          ALTER TABLE outbox ADD COLUMN last_error_code TEXT;
          ALTER TABLE outbox ADD COLUMN last_error_parameters TEXT;
          UPDATE outbox SET status = 'delivered', delivered_at = sent_at WHERE sent_at IS NOT NULL;
          DROP INDEX outbox_pending;
          CREATE INDEX outbox_due ON outbox(next_attempt_at, created_at) WHERE status = 'pending';
          CREATE INDEX outbox_by_time ON outbox(created_at, idempotency_key);
          CREATE INDEX outbox_by_flow ON outbox(flow_id, created_at, idempotency_key);
          """)
    }
    migrator.registerMigration("v10 message content and contact language") { db in
      // A message keeps the language of the variant it was rendered from and its HTML body;
      // a contact's language chooses that variant.
      try db.execute(
        sql: """
          ALTER TABLE outbox ADD COLUMN html TEXT;
          ALTER TABLE outbox ADD COLUMN language TEXT;
          ALTER TABLE contacts ADD COLUMN language TEXT;
          """)
    }
    migrator.registerMigration("v11 delivery events per message") { db in
      // What providers reported about each message (delivered, opened, clicked, bounced,
      // complained, unsubscribed), once per message and kind, for the flow statistics. A
      // record goes with its message: erasing a contact's pending messages erases theirs.
      try db.execute(
        sql: """
          CREATE TABLE delivery_events (
            idempotency_key TEXT NOT NULL REFERENCES outbox(idempotency_key) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            at REAL NOT NULL,
            bounce TEXT,
            PRIMARY KEY (idempotency_key, kind)
          ) WITHOUT ROWID;
          """)
    }
    return migrator
  }
}

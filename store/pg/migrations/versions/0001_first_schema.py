"""The first schema: every record the TinyDB data folder keeps, raw mail and files included.

Each table keeps the record as the TinyDB backend writes it (`doc`, the same dict
the records' to_dict gives, as `json` so that it reads back byte for byte, keys in
their order) beside the columns that queries and constraints need.
The constraints carry the store's rules: one owner per Message-ID on ticket
threads, one outbox row per Message-ID, ticket numbers from a sequence (never
reused, even when a transaction rolls back), one outcome per inbound message.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = """
CREATE SEQUENCE ticket_number START WITH 1000 MINVALUE 1000;

-- who holds a single-holder job across instances (the mailbox reader), until when
CREATE TABLE leases (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE TABLE settings (
    name  text PRIMARY KEY,
    value jsonb NOT NULL
);

CREATE TABLE accounts (
    name_key text PRIMARY KEY CHECK (name_key = lower(name_key)),
    doc      json NOT NULL
);

CREATE TABLE contacts (
    email       text PRIMARY KEY CHECK (email = lower(email)),
    account_key text NOT NULL,
    doc         json NOT NULL
);
CREATE INDEX contacts_account ON contacts (account_key);

CREATE TABLE tickets (
    number      integer PRIMARY KEY CHECK (number >= 1000),
    account_key text NOT NULL,
    status      text NOT NULL,
    created_at  timestamptz NOT NULL,
    doc         json NOT NULL
);
CREATE INDEX tickets_account ON tickets (account_key, created_at);
CREATE INDEX tickets_active ON tickets (number) WHERE status <> 'closed';

-- a Message-ID belongs to one ticket's thread only
CREATE TABLE ticket_message_ids (
    message_id text PRIMARY KEY,
    ticket     integer NOT NULL REFERENCES tickets (number) ON DELETE CASCADE
);
CREATE INDEX ticket_message_ids_ticket ON ticket_message_ids (ticket);

CREATE TABLE events (
    ticket integer NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
    seq    integer NOT NULL CHECK (seq >= 1),
    doc    json NOT NULL,
    PRIMARY KEY (ticket, seq)
);

CREATE TABLE outbox (
    id              text PRIMARY KEY,
    message_id      text NOT NULL UNIQUE,
    status          text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    kind            text NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    -- a deliverer's claim: until then no other instance takes the row
    claimed_until   timestamptz,
    doc             json NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_created ON outbox (created_at);

CREATE TABLE cursors (
    folder text PRIMARY KEY,
    doc    json NOT NULL
);

CREATE TABLE inbound (
    sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    message_id  text,
    sender      text,
    outcome     text NOT NULL,
    received_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    doc         json NOT NULL
);
CREATE INDEX inbound_message_id ON inbound (message_id);
CREATE INDEX inbound_sender ON inbound (sender, received_at);
CREATE INDEX inbound_quarantine ON inbound (received_at) WHERE outcome = 'quarantine';

CREATE TABLE sent_alerts (
    key text PRIMARY KEY,
    at  timestamptz NOT NULL
);

CREATE TABLE sign_ins (
    id         text PRIMARY KEY,
    email      text NOT NULL,
    ip         text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    doc        json NOT NULL
);
CREATE INDEX sign_ins_email ON sign_ins (email, created_at);
CREATE INDEX sign_ins_ip ON sign_ins (ip, created_at);

CREATE TABLE sessions (
    id         text PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    doc        json NOT NULL
);

-- raw inbound mail as received, by SHA-256, and the bodies and attachments
CREATE TABLE raw_mail (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    raw    bytea NOT NULL
);

CREATE TABLE files (
    path text PRIMARY KEY,
    data bytea NOT NULL
);
"""

TABLES = ("files", "raw_mail", "sessions", "sign_ins", "sent_alerts", "inbound", "cursors",
          "outbox", "events", "ticket_message_ids", "tickets", "contacts", "accounts",
          "settings", "leases")


def upgrade() -> None:
    op.execute(SCHEMA)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP SEQUENCE ticket_number")

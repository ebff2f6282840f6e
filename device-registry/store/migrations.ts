/**
 * Versioned schema migrations, as data: one entry per version, with the SQL for each backend.
 * `migrate()` applies the pending ones in version order, all in one transaction, and records
 * each in `schema_migrations (version, name, applied_at)`; running it again does nothing.
 *
 * To change the schema, append an entry with the next version (2, 3, ...). Never edit or
 * renumber an entry once it has shipped: databases in the field have recorded it as applied.
 * Each SQL text may hold several statements separated by `;`.
 *
 * Conventions both backends follow (the contract suite relies on them):
 * - Timestamps: SQLite stores ISO 8601 UTC strings as `Date#toISOString()` writes them
 *   (`2024-05-01T10:00:00.000Z`), so text order is time order; PostgreSQL uses timestamptz.
 * - JSON (templates, attrs, site): TEXT holding JSON on SQLite, jsonb on PostgreSQL.
 * - No foreign key from transactions to devices: billing records outlive their device.
 * - Constraint names are spelled out on PostgreSQL, the store maps them to the field of a
 *   StoreError('DUPLICATE'), e.g. `devices_charge_point_id_key` -> `chargePointId`.
 */
export interface Migration {
  /** Strictly increasing from 1, never reused. */
  version: number;
  /** Short description, recorded in schema_migrations. */
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'devices, transactions, id_tags',
    sqlite: `
      CREATE TABLE devices (
        id TEXT NOT NULL PRIMARY KEY,
        tenant TEXT NOT NULL,
        -- The OCPP identity, unique across tenants (one WebSocket URL namespace).
        charge_point_id TEXT NOT NULL UNIQUE,
        label TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        password_hash TEXT,
        lenient INTEGER CHECK (lenient IN (0, 1)),
        templates TEXT NOT NULL DEFAULT '[]',
        attrs TEXT NOT NULL DEFAULT '{}',
        site TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX devices_created_idx ON devices (created_at, id);
      CREATE INDEX devices_tenant_created_idx ON devices (tenant, created_at, id);

      -- AUTOINCREMENT, not a plain rowid: a rowid may be reused once the highest row is gone,
      -- and an OCPP transactionId must never be handed out twice. OCPP's integer is int32.
      CREATE TABLE transactions (
        id INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id BETWEEN 1 AND 2147483647),
        device_id TEXT NOT NULL,
        tenant TEXT NOT NULL,
        connector_id INTEGER NOT NULL,
        id_tag TEXT NOT NULL,
        stop_id_tag TEXT,
        started_at TEXT NOT NULL,
        stopped_at TEXT,
        meter_start INTEGER NOT NULL,
        meter_stop INTEGER,
        stop_reason TEXT,
        reservation_id INTEGER,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed'))
      ) STRICT;
      CREATE INDEX transactions_start_idx ON transactions (device_id, connector_id, started_at);
      CREATE INDEX transactions_tenant_started_idx ON transactions (tenant, started_at);

      -- OCPP 1.6 §7.28: an IdToken is a case-insensitive string (CiString20Type, printable ASCII).
      CREATE TABLE id_tags (
        tenant TEXT NOT NULL,
        id_tag TEXT NOT NULL COLLATE NOCASE,
        status TEXT NOT NULL CHECK (status IN ('Accepted', 'Blocked', 'Expired', 'Invalid')),
        expiry_date TEXT,
        parent_id_tag TEXT,
        PRIMARY KEY (tenant, id_tag)
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE devices (
        id text NOT NULL,
        tenant text NOT NULL,
        charge_point_id text NOT NULL,
        label text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        password_hash text,
        lenient boolean,
        templates jsonb NOT NULL DEFAULT '[]',
        attrs jsonb NOT NULL DEFAULT '{}',
        site jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT devices_pkey PRIMARY KEY (id),
        -- The OCPP identity, unique across tenants (one WebSocket URL namespace).
        CONSTRAINT devices_charge_point_id_key UNIQUE (charge_point_id)
      );
      CREATE INDEX devices_created_idx ON devices (created_at, id);
      CREATE INDEX devices_tenant_created_idx ON devices (tenant, created_at, id);

      -- An identity sequence never hands a value out twice (OCPP transactionIds); integer is
      -- OCPP's int32, and the sequence stops at its maximum rather than wrapping round.
      CREATE TABLE transactions (
        id integer GENERATED ALWAYS AS IDENTITY,
        device_id text NOT NULL,
        tenant text NOT NULL,
        connector_id integer NOT NULL,
        id_tag text NOT NULL,
        stop_id_tag text,
        started_at timestamptz NOT NULL,
        stopped_at timestamptz,
        meter_start bigint NOT NULL,
        meter_stop bigint,
        stop_reason text,
        reservation_id integer,
        status text NOT NULL DEFAULT 'active',
        CONSTRAINT transactions_pkey PRIMARY KEY (id),
        CONSTRAINT transactions_status_check CHECK (status IN ('active', 'completed'))
      );
      CREATE INDEX transactions_start_idx ON transactions (device_id, connector_id, started_at);
      CREATE INDEX transactions_tenant_started_idx ON transactions (tenant, started_at);

      -- OCPP 1.6 §7.28: an IdToken is a case-insensitive string (CiString20Type, printable ASCII).
      CREATE TABLE id_tags (
        tenant text NOT NULL,
        id_tag text NOT NULL,
        status text NOT NULL,
        expiry_date timestamptz,
        parent_id_tag text,
        CONSTRAINT id_tags_status_check CHECK (status IN ('Accepted', 'Blocked', 'Expired', 'Invalid'))
      );
      CREATE UNIQUE INDEX id_tags_key ON id_tags (tenant, lower(id_tag));
    `,
  },
  {
    version: 2,
    name: 'api_tokens, templates',
    sqlite: `
      CREATE TABLE api_tokens (
        id TEXT NOT NULL PRIMARY KEY,
        tenant TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'read-only')),
        label TEXT NOT NULL DEFAULT '',
        digest TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant, created_at, id);
      CREATE TABLE templates (
        id TEXT NOT NULL PRIMARY KEY,
        tenant TEXT NOT NULL,
        label TEXT NOT NULL,
        attrs TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (tenant, label)
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE api_tokens (
        id text NOT NULL PRIMARY KEY,
        tenant text NOT NULL,
        role text NOT NULL CONSTRAINT api_tokens_role_check CHECK (role IN ('admin', 'operator', 'read-only')),
        label text NOT NULL DEFAULT '',
        digest text NOT NULL CONSTRAINT api_tokens_digest_key UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant, created_at, id);
      CREATE TABLE templates (
        id text NOT NULL PRIMARY KEY,
        tenant text NOT NULL,
        label text NOT NULL,
        attrs jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT templates_tenant_label_key UNIQUE (tenant, label)
      );
    `,
  },
  {
    version: 3,
    name: 'devices.security_profile',
    // OCPP 1.6 security whitepaper §2 (profiles 1-3). Existing devices keep profile 1, what
    // they were served with until now; a profile is only ever raised through the API.
    sqlite: `
      ALTER TABLE devices ADD COLUMN security_profile INTEGER NOT NULL DEFAULT 1 CHECK (security_profile IN (1, 2, 3));
    `,
    postgres: `
      ALTER TABLE devices ADD COLUMN security_profile smallint NOT NULL DEFAULT 1 CONSTRAINT devices_security_profile_check CHECK (security_profile IN (1, 2, 3));
    `,
  },
  {
    version: 4,
    name: 'devices.pending_password_hash',
    // A password being rotated (whitepaper use case A01): valid beside the current one until the
    // charger has switched, so that there is no moment in which neither works.
    sqlite: `
      ALTER TABLE devices ADD COLUMN pending_password_hash TEXT;
    `,
    postgres: `
      ALTER TABLE devices ADD COLUMN pending_password_hash text;
    `,
  },
  {
    version: 5,
    name: 'api_tokens.expires_at, last_used_at',
    sqlite: `
      ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
      ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
    `,
    postgres: `
      ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
      ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz;
    `,
  },
  {
    version: 6,
    name: 'alerts, alert_rules, alert_targets, alert_deliveries',
    sqlite: `
      CREATE TABLE alerts (
        id TEXT NOT NULL PRIMARY KEY,
        tenant TEXT NOT NULL,
        device_id TEXT NOT NULL,
        charge_point_id TEXT NOT NULL,
        connector_id INTEGER,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}',
        since TEXT NOT NULL,
        until TEXT,
        acknowledged_at TEXT,
        acknowledged_by TEXT
      ) STRICT;
      CREATE INDEX alerts_tenant_since_idx ON alerts (tenant, since, id);
      CREATE INDEX alerts_active_idx ON alerts (tenant, device_id) WHERE until IS NULL;
      -- Deduplication held by the schema too: one active alert per rule, device and connector.
      CREATE UNIQUE INDEX alerts_active_key ON alerts (tenant, rule, device_id, coalesce(connector_id, -1)) WHERE until IS NULL;
      CREATE TABLE alert_rules (
        tenant TEXT NOT NULL,
        kind TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        severity TEXT NOT NULL,
        params TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, kind)
      ) STRICT;
      CREATE TABLE alert_targets (
        id TEXT NOT NULL PRIMARY KEY,
        tenant TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('webhook', 'email')),
        label TEXT NOT NULL DEFAULT '',
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        url TEXT,
        secret TEXT,
        email_to TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX alert_targets_tenant_idx ON alert_targets (tenant, created_at, id);
      CREATE TABLE alert_deliveries (
        id TEXT NOT NULL PRIMARY KEY,
        tenant TEXT NOT NULL,
        alert_id TEXT NOT NULL,
        target_id TEXT NOT NULL,
        event TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        last_attempt_at TEXT,
        delivered_at TEXT,
        created_at TEXT NOT NULL,
        payload TEXT NOT NULL
      ) STRICT;
      CREATE INDEX alert_deliveries_tenant_idx ON alert_deliveries (tenant, created_at, id);
      CREATE INDEX alert_deliveries_status_idx ON alert_deliveries (status, created_at);
    `,
    postgres: `
      CREATE TABLE alerts (
        id text NOT NULL PRIMARY KEY,
        tenant text NOT NULL,
        device_id text NOT NULL,
        charge_point_id text NOT NULL,
        connector_id integer,
        rule text NOT NULL,
        severity text NOT NULL,
        message text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        since timestamptz NOT NULL,
        until timestamptz,
        acknowledged_at timestamptz,
        acknowledged_by text
      );
      CREATE INDEX alerts_tenant_since_idx ON alerts (tenant, since, id);
      CREATE INDEX alerts_active_idx ON alerts (tenant, device_id) WHERE until IS NULL;
      -- Deduplication held by the schema too: one active alert per rule, device and connector.
      CREATE UNIQUE INDEX alerts_active_key ON alerts (tenant, rule, device_id, coalesce(connector_id, -1)) WHERE until IS NULL;
      CREATE TABLE alert_rules (
        tenant text NOT NULL,
        kind text NOT NULL,
        enabled boolean NOT NULL,
        severity text NOT NULL,
        params jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT alert_rules_pkey PRIMARY KEY (tenant, kind)
      );
      CREATE TABLE alert_targets (
        id text NOT NULL PRIMARY KEY,
        tenant text NOT NULL,
        type text NOT NULL CONSTRAINT alert_targets_type_check CHECK (type IN ('webhook', 'email')),
        label text NOT NULL DEFAULT '',
        enabled boolean NOT NULL DEFAULT true,
        url text,
        secret text,
        email_to jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX alert_targets_tenant_idx ON alert_targets (tenant, created_at, id);
      CREATE TABLE alert_deliveries (
        id text NOT NULL PRIMARY KEY,
        tenant text NOT NULL,
        alert_id text NOT NULL,
        target_id text NOT NULL,
        event text NOT NULL,
        status text NOT NULL CONSTRAINT alert_deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        last_attempt_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        payload text NOT NULL
      );
      CREATE INDEX alert_deliveries_tenant_idx ON alert_deliveries (tenant, created_at, id);
      CREATE INDEX alert_deliveries_status_idx ON alert_deliveries (status, created_at);
    `,
  },
  {
    version: 7,
    name: 'device_shadows',
    // The last known device shadow (issue 16): loaded when the charger connects, since an OCPP
    // 1.6 charger sends no BootNotification or StatusNotification on a plain reconnect, and
    // republished at start. One row per device, replaced as a whole; `connected_at` is the
    // shadow's connection, so that a zombie connection's late write never replaces the shadow
    // of the connection that took over (scale-out: another gateway). Deleted with its device.
    sqlite: `
      CREATE TABLE device_shadows (
        device_id TEXT NOT NULL PRIMARY KEY,
        shadow TEXT NOT NULL,
        connected_at TEXT,
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE device_shadows (
        device_id text NOT NULL,
        shadow jsonb NOT NULL,
        connected_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT device_shadows_pkey PRIMARY KEY (device_id)
      );
    `,
  },
  {
    version: 8,
    name: 'ocpp 2.0.1: transactions.charger_transaction_id, evse_id; devices.ocpp_protocol',
    // OCPP 2.0.1: the station assigns its own transactionId (TransactionEvent transactionInfo,
    // a string of at most 36 characters) and names outlets by EVSE + connector. `id` stays ours
    // (int32, what MQTT consumers see as transactionId); charger_transaction_id is NULL for 1.6
    // sessions. The partial unique index makes a resent TransactionEvent Started find the same
    // session (INSERT ... ON CONFLICT DO NOTHING, then SELECT) and leaves 1.6 rows out of it.
    // devices.ocpp_protocol: the subprotocol preferred when a charger offers several; NULL = the
    // charger's own order. Existing rows get NULL everywhere: nothing is rewritten.
    sqlite: `
      ALTER TABLE transactions ADD COLUMN charger_transaction_id TEXT CHECK (length(charger_transaction_id) BETWEEN 1 AND 36);
      ALTER TABLE transactions ADD COLUMN evse_id INTEGER;
      CREATE UNIQUE INDEX transactions_charger_id_key ON transactions (device_id, charger_transaction_id) WHERE charger_transaction_id IS NOT NULL;
      ALTER TABLE devices ADD COLUMN ocpp_protocol TEXT CHECK (ocpp_protocol IN ('ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'));
    `,
    postgres: `
      ALTER TABLE transactions ADD COLUMN charger_transaction_id text CONSTRAINT transactions_charger_transaction_id_check CHECK (char_length(charger_transaction_id) BETWEEN 1 AND 36);
      ALTER TABLE transactions ADD COLUMN evse_id integer;
      CREATE UNIQUE INDEX transactions_charger_id_key ON transactions (device_id, charger_transaction_id) WHERE charger_transaction_id IS NOT NULL;
      ALTER TABLE devices ADD COLUMN ocpp_protocol text CONSTRAINT devices_ocpp_protocol_check CHECK (ocpp_protocol IN ('ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'));
    `,
  },
  {
    version: 9,
    name: 'ocpp 2.0.1 device model: device_variables',
    // An OCPP 2.0.1 station's device model as its NotifyReport messages report it: one row per
    // attribute (Actual, Target, MinSet, MaxSet) of a variable of a component, upserted by
    // saveDeviceVariables. The key is (device, component, its instance, its EVSE and connector,
    // variable, its instance, attribute type). Absent parts are stored as sentinels, '' for an
    // instance and -1 for an EVSE or connector (ids are >= 0, an instance is never empty: the
    // store reads '' back as none), never as NULL: NULLs are distinct from each other in a
    // PRIMARY KEY or UNIQUE index on SQLite and on PostgreSQL before 15 (NULLS NOT DISTINCT), so
    // a station-wide variable would never conflict with itself and every report would add rows
    // instead of replacing them. Names and instances are case-insensitive (2.0.1 ComponentType,
    // VariableType), as id_tags are (migration 1): COLLATE NOCASE on SQLite, lower() in the
    // unique index on PostgreSQL over COLLATE "C" columns, both of which fold ASCII letters only
    // and order by code point, so the two backends agree on what is one key and on the order.
    // The characteristics (unit, dataType, limits, valuesList, supportsMonitoring) are the same
    // on each attribute row of a variable, as JSON.
    //
    // Rows go with their device. SQLite: deleteDevice deletes them in its transaction, as it does
    // device_shadows (migration 7), and a write checks that the device exists in its own
    // transaction; SQLite writes are serialized, so no row can outlive its device (a foreign key
    // would need PRAGMA foreign_keys on every connection that ever opens the file). PostgreSQL: a
    // foreign key with ON DELETE CASCADE. Statement-level checks are not enough there: a write
    // whose EXISTS saw the device could commit after a concurrent delete and leave rows behind;
    // the foreign key's row lock on the device orders the two (the delete waits, and its cascade
    // sees the rows; or the write waits and fails, and the store answers 0).
    sqlite: `
      CREATE TABLE device_variables (
        device_id TEXT NOT NULL,
        component TEXT NOT NULL COLLATE NOCASE CHECK (length(component) BETWEEN 1 AND 50),
        component_instance TEXT NOT NULL COLLATE NOCASE DEFAULT '' CHECK (length(component_instance) <= 50),
        evse_id INTEGER NOT NULL DEFAULT -1 CHECK (evse_id BETWEEN -1 AND 2147483647),
        connector_id INTEGER NOT NULL DEFAULT -1 CHECK (connector_id BETWEEN -1 AND 2147483647 AND (connector_id = -1 OR evse_id >= 0)),
        variable TEXT NOT NULL COLLATE NOCASE CHECK (length(variable) BETWEEN 1 AND 50),
        variable_instance TEXT NOT NULL COLLATE NOCASE DEFAULT '' CHECK (length(variable_instance) <= 50),
        attribute_type TEXT NOT NULL CHECK (attribute_type IN ('Actual', 'Target', 'MinSet', 'MaxSet')),
        value TEXT CHECK (length(value) <= 2500),
        mutability TEXT NOT NULL CHECK (mutability IN ('ReadOnly', 'WriteOnly', 'ReadWrite')),
        persistent INTEGER NOT NULL CHECK (persistent IN (0, 1)),
        constant INTEGER NOT NULL CHECK (constant IN (0, 1)),
        characteristics TEXT CHECK (json_valid(characteristics)),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (device_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute_type)
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE device_variables (
        device_id text NOT NULL CONSTRAINT device_variables_device_id_fkey REFERENCES devices (id) ON DELETE CASCADE,
        component text COLLATE "C" NOT NULL,
        component_instance text COLLATE "C" NOT NULL DEFAULT '',
        evse_id integer NOT NULL DEFAULT -1,
        connector_id integer NOT NULL DEFAULT -1,
        variable text COLLATE "C" NOT NULL,
        variable_instance text COLLATE "C" NOT NULL DEFAULT '',
        attribute_type text COLLATE "C" NOT NULL,
        value text,
        mutability text NOT NULL,
        persistent boolean NOT NULL,
        constant boolean NOT NULL,
        characteristics jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT device_variables_component_check CHECK (char_length(component) BETWEEN 1 AND 50 AND char_length(component_instance) <= 50),
        CONSTRAINT device_variables_variable_check CHECK (char_length(variable) BETWEEN 1 AND 50 AND char_length(variable_instance) <= 50),
        CONSTRAINT device_variables_evse_check CHECK (evse_id >= -1 AND connector_id >= -1 AND (connector_id = -1 OR evse_id >= 0)),
        CONSTRAINT device_variables_attribute_type_check CHECK (attribute_type IN ('Actual', 'Target', 'MinSet', 'MaxSet')),
        CONSTRAINT device_variables_value_check CHECK (char_length(value) <= 2500),
        CONSTRAINT device_variables_mutability_check CHECK (mutability IN ('ReadOnly', 'WriteOnly', 'ReadWrite'))
      );
      CREATE UNIQUE INDEX device_variables_key ON device_variables (device_id, lower(component), lower(component_instance), evse_id, connector_id, lower(variable), lower(variable_instance), attribute_type);
    `,
  },
  {
    version: 10,
    name: 'security_profile_upgrades',
    // The latest security profile upgrade of each device (contracts/security-profile-upgrade.ts;
    // whitepaper A05): replaced by a new request, finished by the route or by the gateway that
    // sees the charger reconnect with the new profile. Rows go with their device: SQLite's
    // deleteDevice deletes them in its transaction (as device_variables, migration 9), PostgreSQL
    // by a foreign key with ON DELETE CASCADE.
    sqlite: `
      CREATE TABLE security_profile_upgrades (
        device_id TEXT NOT NULL PRIMARY KEY,
        id TEXT NOT NULL,
        from_profile INTEGER NOT NULL CHECK (from_profile IN (1, 2, 3)),
        to_profile INTEGER NOT NULL CHECK (to_profile IN (1, 2, 3)),
        status TEXT NOT NULL CHECK (status IN ('sending', 'awaitingReconnect', 'completed', 'refused', 'failed', 'timedOut')),
        charger_status TEXT,
        reason TEXT,
        requested_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deadline TEXT NOT NULL
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE security_profile_upgrades (
        device_id text NOT NULL PRIMARY KEY CONSTRAINT security_profile_upgrades_device_id_fkey REFERENCES devices (id) ON DELETE CASCADE,
        id text NOT NULL,
        from_profile integer NOT NULL CONSTRAINT security_profile_upgrades_from_check CHECK (from_profile IN (1, 2, 3)),
        to_profile integer NOT NULL CONSTRAINT security_profile_upgrades_to_check CHECK (to_profile IN (1, 2, 3)),
        status text NOT NULL CONSTRAINT security_profile_upgrades_status_check CHECK (status IN ('sending', 'awaitingReconnect', 'completed', 'refused', 'failed', 'timedOut')),
        charger_status text,
        reason text,
        requested_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        deadline timestamptz NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: 'issued_certificates',
    // The client certificates the gateway's CA signed (contracts/certificates.ts), one row each,
    // found by the handshake by fingerprint (unique). Rows go with their device as in migration 10.
    sqlite: `
      CREATE TABLE issued_certificates (
        serial_number TEXT NOT NULL PRIMARY KEY,
        device_id TEXT NOT NULL,
        common_name TEXT NOT NULL,
        fingerprint256 TEXT NOT NULL UNIQUE,
        not_before TEXT NOT NULL,
        not_after TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('issued', 'installed', 'rejected', 'revoked')),
        issued_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        revoked_at TEXT,
        revocation_reason TEXT CHECK (length(revocation_reason) <= 200)
      ) STRICT;
      CREATE INDEX issued_certificates_device ON issued_certificates (device_id, issued_at);
    `,
    postgres: `
      CREATE TABLE issued_certificates (
        serial_number text NOT NULL PRIMARY KEY,
        device_id text NOT NULL CONSTRAINT issued_certificates_device_id_fkey REFERENCES devices (id) ON DELETE CASCADE,
        common_name text NOT NULL,
        fingerprint256 text NOT NULL CONSTRAINT issued_certificates_fingerprint_key UNIQUE,
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        status text NOT NULL CONSTRAINT issued_certificates_status_check CHECK (status IN ('issued', 'installed', 'rejected', 'revoked')),
        issued_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revocation_reason text CONSTRAINT issued_certificates_reason_check CHECK (char_length(revocation_reason) <= 200)
      );
      CREATE INDEX issued_certificates_device ON issued_certificates (device_id, issued_at);
    `,
  },
];

/**
 * The migrations not yet applied, in version order. Throws when the list itself is broken
 * (versions not strictly increasing from 1), so a bad edit fails at the first migrate().
 */
export function pendingMigrations(applied: Iterable<number>, list: readonly Migration[] = MIGRATIONS): Migration[] {
  list.forEach((m, i) => {
    const expected = i === 0 ? 1 : list[i - 1]!.version + 1;
    if (m.version !== expected) throw new Error(`migration list: version ${m.version} at position ${i}, expected ${expected}`);
  });
  const done = new Set(applied);
  return list.filter((m) => !done.has(m.version));
}

/** The bookkeeping table, created (if missing) by `migrate()` before it reads what is applied. */
export const SCHEMA_MIGRATIONS_DDL = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer NOT NULL PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
} as const;

/**
 * The registry's rows as both backends read them back, and their mappers to the contracts'
 * types (contracts/registry.ts, contracts/alerts.ts), written once. The tables have the same
 * columns on SQLite and PostgreSQL (migrations.ts); only four kinds of column come back from the
 * drivers as different JavaScript types, and a row interface names them through `Columns`:
 *
 * | kind   | SQLite (node:sqlite)              | PostgreSQL (node-postgres)          |
 * |--------|-----------------------------------|-------------------------------------|
 * | `flag` | INTEGER 0 / 1                     | boolean                             |
 * | `json` | TEXT holding JSON                 | jsonb, parsed by the driver         |
 * | `time` | TEXT, ISO 8601 UTC with ms        | timestamptz as a Date               |
 * | `int8` | INTEGER as a number               | bigint as a string                  |
 *
 * Each backend supplies a `ColumnReader` for its four (sqlite-deps.ts, postgres-deps.ts) and
 * gets the mappers from `rowMappers(reader)`; everything else about a row is the same.
 */
import type { Rule, RuleKind } from '../../contracts/alert-rules.ts';
import type { Alert, AlertDelivery, AlertTarget } from '../../contracts/alerts.ts';
import type {
  ApiToken,
  Device,
  DeviceShadow,
  DeviceVariable,
  IdTag,
  SecurityProfile,
  Site,
  Template,
  TemplateAttr,
  Transaction,
  VariableCharacteristics,
} from '../../contracts/registry.ts';
import type { OcppProtocol } from '../../ocpp/protocols.ts';
import type { IssuedCertificate } from '../../contracts/certificates.ts';
import type { SecurityProfileUpgrade } from '../../contracts/security-profile-upgrade.ts';
import { keyFromColumns, type VariableRow } from './device-variables.ts';

/** The JavaScript types of a backend's column kinds (the table above). */
export interface Columns {
  flag: unknown;
  json: unknown;
  time: unknown;
  int8: unknown;
}

export interface SqliteColumns extends Columns {
  flag: number;
  json: string;
  time: string;
  int8: number;
}

export interface PgColumns extends Columns {
  flag: boolean;
  json: unknown;
  time: Date;
  int8: string;
}

/** Reads a backend's column kinds as the contracts hold them. */
export interface ColumnReader<C extends Columns> {
  flag(v: C['flag']): boolean;
  json(v: C['json']): unknown;
  /** ISO 8601 UTC with milliseconds, as `toISOString()` writes it. */
  time(v: C['time']): string;
  int8(v: C['int8']): number;
}

export interface DeviceRow<C extends Columns> {
  id: string;
  tenant: string;
  charge_point_id: string;
  label: string;
  enabled: C['flag'];
  password_hash: string | null;
  lenient: C['flag'] | null;
  security_profile: number;
  pending_password_hash: string | null;
  ocpp_protocol: OcppProtocol | null;
  templates: C['json'];
  attrs: C['json'];
  site: C['json'] | null;
  created_at: C['time'];
  updated_at: C['time'];
}

/** A device joined with its shadow (listShadows). */
export interface DeviceShadowRow<C extends Columns> extends DeviceRow<C> {
  stored_shadow: C['json'] | null;
}

export interface TransactionRow<C extends Columns> {
  id: number;
  device_id: string;
  tenant: string;
  connector_id: number;
  id_tag: string;
  stop_id_tag: string | null;
  started_at: C['time'];
  stopped_at: C['time'] | null;
  meter_start: C['int8'];
  meter_stop: C['int8'] | null;
  stop_reason: string | null;
  reservation_id: number | null;
  status: Transaction['status'];
  charger_transaction_id: string | null;
  evse_id: number | null;
}

export interface IdTagRow<C extends Columns> {
  tenant: string;
  id_tag: string;
  status: IdTag['status'];
  expiry_date: C['time'] | null;
  parent_id_tag: string | null;
}

export interface TokenRow<C extends Columns> {
  id: string;
  tenant: string;
  role: ApiToken['role'];
  label: string;
  digest: string;
  created_at: C['time'];
  expires_at: C['time'] | null;
  last_used_at: C['time'] | null;
}

export interface TemplateRow<C extends Columns> {
  id: string;
  tenant: string;
  label: string;
  attrs: C['json'];
  created_at: C['time'];
  updated_at: C['time'];
}

export interface AlertRow<C extends Columns> {
  id: string;
  tenant: string;
  device_id: string;
  charge_point_id: string;
  connector_id: number | null;
  rule: string;
  severity: string;
  message: string;
  details: C['json'];
  since: C['time'];
  until: C['time'] | null;
  acknowledged_at: C['time'] | null;
  acknowledged_by: string | null;
}

export interface RuleRow<C extends Columns> {
  tenant: string;
  kind: string;
  enabled: C['flag'];
  severity: string;
  params: C['json'];
}

export interface TargetRow<C extends Columns> {
  id: string;
  tenant: string;
  type: 'webhook' | 'email';
  label: string;
  enabled: C['flag'];
  url: string | null;
  secret: string | null;
  email_to: C['json'] | null;
  created_at: C['time'];
}

export interface DeliveryRow<C extends Columns> {
  id: string;
  tenant: string;
  alert_id: string;
  target_id: string;
  event: string;
  status: AlertDelivery['status'];
  attempts: number;
  last_error: string | null;
  last_attempt_at: C['time'] | null;
  delivered_at: C['time'] | null;
  created_at: C['time'];
  payload: string;
}

/** A device_variables row (migration 9): the key columns with their sentinels, as device-variables.ts writes them. */
export interface DeviceVariableRow<C extends Columns> extends Omit<VariableRow, 'persistent' | 'constant' | 'characteristics'> {
  device_id: string;
  persistent: C['flag'];
  constant: C['flag'];
  characteristics: C['json'] | null;
  updated_at: C['time'];
}

/** A security_profile_upgrades row (migration 10). */
export interface UpgradeRow<C extends Columns> {
  device_id: string;
  id: string;
  from_profile: number;
  to_profile: number;
  status: SecurityProfileUpgrade['status'];
  charger_status: string | null;
  reason: string | null;
  requested_at: C['time'];
  updated_at: C['time'];
  deadline: C['time'];
}

/** An issued_certificates row (migration 11). */
export interface CertificateRow<C extends Columns> {
  serial_number: string;
  device_id: string;
  common_name: string;
  fingerprint256: string;
  not_before: C['time'];
  not_after: C['time'];
  status: IssuedCertificate['status'];
  issued_at: C['time'];
  updated_at: C['time'];
  revoked_at: C['time'] | null;
  revocation_reason: string | null;
}

/** The mappers of one backend, from its ColumnReader. */
export function rowMappers<C extends Columns>(c: ColumnReader<C>) {
  const time = (v: C['time'] | null): string | null => (v === null ? null : c.time(v));
  const json = <T>(v: C['json'] | null): T | null => (v === null ? null : (c.json(v) as T));

  const toDevice = (r: DeviceRow<C>): Device => ({
    id: r.id,
    tenant: r.tenant,
    chargePointId: r.charge_point_id,
    label: r.label,
    enabled: c.flag(r.enabled),
    passwordHash: r.password_hash,
    lenient: r.lenient === null ? null : c.flag(r.lenient),
    securityProfile: r.security_profile as SecurityProfile,
    ocppProtocol: r.ocpp_protocol,
    pendingPasswordHash: r.pending_password_hash,
    templates: c.json(r.templates) as string[],
    attrs: c.json(r.attrs) as Device['attrs'],
    site: json<Site>(r.site),
    createdAt: c.time(r.created_at),
    updatedAt: c.time(r.updated_at),
  });

  const toTransaction = (r: TransactionRow<C>): Transaction => {
    const meterStart = c.int8(r.meter_start);
    const meterStop = r.meter_stop === null ? null : c.int8(r.meter_stop);
    return {
      id: r.id,
      deviceId: r.device_id,
      tenant: r.tenant,
      chargerTransactionId: r.charger_transaction_id,
      evseId: r.evse_id,
      connectorId: r.connector_id,
      idTag: r.id_tag,
      stopIdTag: r.stop_id_tag,
      startedAt: c.time(r.started_at),
      stoppedAt: time(r.stopped_at),
      meterStart,
      meterStop,
      energyWh: r.status === 'completed' && meterStop !== null ? meterStop - meterStart : null,
      stopReason: r.stop_reason,
      reservationId: r.reservation_id,
      status: r.status,
    };
  };

  const toIdTag = (r: IdTagRow<C>): IdTag => ({ tenant: r.tenant, idTag: r.id_tag, status: r.status, expiryDate: time(r.expiry_date), parentIdTag: r.parent_id_tag });

  const toToken = (r: TokenRow<C>): ApiToken => ({
    id: r.id,
    tenant: r.tenant,
    role: r.role,
    label: r.label,
    digest: r.digest,
    createdAt: c.time(r.created_at),
    expiresAt: time(r.expires_at),
    lastUsedAt: time(r.last_used_at),
  });

  const toTemplate = (r: TemplateRow<C>): Template => ({
    id: r.id,
    tenant: r.tenant,
    label: r.label,
    attrs: c.json(r.attrs) as TemplateAttr[],
    createdAt: c.time(r.created_at),
    updatedAt: c.time(r.updated_at),
  });

  const toShadow = (v: C['json'] | null) => json<Record<string, unknown>>(v);

  const toAlert = (r: AlertRow<C>): Alert => ({
    id: r.id,
    tenant: r.tenant,
    deviceId: r.device_id,
    chargePointId: r.charge_point_id,
    connectorId: r.connector_id,
    rule: r.rule as RuleKind,
    severity: r.severity as Alert['severity'],
    message: r.message,
    details: c.json(r.details) as Record<string, unknown>,
    since: c.time(r.since),
    until: time(r.until),
    acknowledgedAt: time(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
  });

  return {
    toDevice,
    toTransaction,
    toIdTag,
    toToken,
    toTemplate,
    /** A stored shadow (device_shadows.shadow), or null when there is none. */
    toShadow,
    toDeviceShadow: (r: DeviceShadowRow<C>): DeviceShadow => ({ device: toDevice(r), shadow: toShadow(r.stored_shadow) }),
    toAlert,
    toRule: (r: RuleRow<C>): { tenant: string; rule: Rule } => ({
      tenant: r.tenant,
      rule: { kind: r.kind as RuleKind, enabled: c.flag(r.enabled), severity: r.severity as Rule['severity'], params: c.json(r.params) as Rule['params'] },
    }),
    toTarget: (r: TargetRow<C>): AlertTarget =>
      r.type === 'webhook'
        ? { id: r.id, tenant: r.tenant, type: 'webhook', label: r.label, enabled: c.flag(r.enabled), url: r.url ?? '', secret: r.secret ?? '', createdAt: c.time(r.created_at) }
        : { id: r.id, tenant: r.tenant, type: 'email', label: r.label, enabled: c.flag(r.enabled), to: json<string[]>(r.email_to) ?? [], createdAt: c.time(r.created_at) },
    toDelivery: (r: DeliveryRow<C>): AlertDelivery => ({
      id: r.id,
      tenant: r.tenant,
      alertId: r.alert_id,
      targetId: r.target_id,
      event: r.event,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      lastAttemptAt: time(r.last_attempt_at),
      deliveredAt: time(r.delivered_at),
      createdAt: c.time(r.created_at),
      payload: r.payload,
    }),
    toUpgrade: (r: UpgradeRow<C>): SecurityProfileUpgrade => ({
      id: r.id,
      deviceId: r.device_id,
      fromProfile: r.from_profile as SecurityProfile,
      toProfile: r.to_profile as SecurityProfile,
      status: r.status,
      chargerStatus: r.charger_status,
      reason: r.reason,
      requestedAt: c.time(r.requested_at),
      updatedAt: c.time(r.updated_at),
      deadline: c.time(r.deadline),
    }),
    toCertificate: (r: CertificateRow<C>): IssuedCertificate => ({
      serialNumber: r.serial_number,
      deviceId: r.device_id,
      commonName: r.common_name,
      fingerprint256: r.fingerprint256,
      notBefore: c.time(r.not_before),
      notAfter: c.time(r.not_after),
      status: r.status,
      issuedAt: c.time(r.issued_at),
      updatedAt: c.time(r.updated_at),
      revokedAt: time(r.revoked_at),
      revocationReason: r.revocation_reason,
    }),
    toVariable: (r: DeviceVariableRow<C>): DeviceVariable => ({
      deviceId: r.device_id,
      ...keyFromColumns(r),
      value: r.value,
      mutability: r.mutability,
      persistent: c.flag(r.persistent),
      constant: c.flag(r.constant),
      characteristics: json<VariableCharacteristics>(r.characteristics),
      updatedAt: c.time(r.updated_at),
    }),
  };
}

export type RowMappers<C extends Columns> = ReturnType<typeof rowMappers<C>>;

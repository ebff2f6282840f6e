/**
 * The shadow a new connection starts from, and the one published for a charger that is not
 * connected when the gateway starts (issue 16). Pure: the stored shadow comes from the registry
 * (RegistryStore.getShadow), written by an earlier connection, perhaps by an older version.
 *
 * OCPP 1.6 §4.2 (BootNotification) is sent after a reboot, not on a plain reconnect, and §4.9
 * (StatusNotification) only on a change: a charger that reconnects mid-session sends neither.
 * So everything a connection learnt stays as last reported: registration, vendor, model,
 * firmware, serial number, firmware and diagnostics status, and every connector with its
 * status, error code, info, vendorErrorCode, transaction and idTag, until the charger says
 * otherwise. Who the device is (id, tenant, chargePointId) always comes from the registry.
 */
import { emptyShadow, type ConnectorState, type Shadow } from './shadow.ts';

type DeviceLike = Parameters<typeof emptyShadow>[0];

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const optStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function connectorOf(v: unknown): ConnectorState | null {
  if (!isObject(v) || typeof v['status'] !== 'string' || typeof v['updatedAt'] !== 'string') return null;
  const tx = v['transactionId'];
  const c: ConnectorState = {
    status: v['status'],
    errorCode: str(v['errorCode']) ?? 'NoError',
    transactionId: typeof tx === 'number' && Number.isInteger(tx) ? tx : null,
    idTag: str(v['idTag']),
    updatedAt: v['updatedAt'],
  };
  const info = optStr(v['info']);
  const vendorErrorCode = optStr(v['vendorErrorCode']);
  if (info !== undefined) c.info = info;
  if (vendorErrorCode !== undefined) c.vendorErrorCode = vendorErrorCode;
  // OCPP 2.x fields (shadow.ts ConnectorState), each only when stored with its type.
  const int = (k: string) => (typeof v[k] === 'number' && Number.isInteger(v[k]) ? (v[k] as number) : undefined);
  const evseId = int('evseId');
  const evseConnectorId = int('evseConnectorId');
  if (evseId !== undefined) c.evseId = evseId;
  if (evseConnectorId !== undefined) c.evseConnectorId = evseConnectorId;
  const connectorStatus = optStr(v['connectorStatus']);
  if (connectorStatus !== undefined) c.connectorStatus = connectorStatus;
  if ('chargingState' in v) c.chargingState = str(v['chargingState']);
  if ('chargerTransactionId' in v) c.chargerTransactionId = str(v['chargerTransactionId']);
  return c;
}

/**
 * The device's shadow as last stored, offline until the connection says otherwise; the empty
 * shadow when nothing was stored. A field of the wrong type is left out, never trusted.
 */
export function restoreShadow(device: DeviceLike, stored: Record<string, unknown> | null | undefined): Shadow {
  const base = emptyShadow(device);
  if (!stored) return base;
  const connectors: Record<string, ConnectorState> = {};
  if (isObject(stored['connectors'])) {
    for (const [id, v] of Object.entries(stored['connectors'])) {
      // OCPP 1.6 §3.8 connectorId: 0 (the charge point) or more.
      if (!/^(0|[1-9]\d{0,8})$/.test(id)) continue;
      const c = connectorOf(v);
      if (c) connectors[id] = c;
    }
  }
  return {
    ...base,
    online: stored['online'] === true,
    lastSeen: str(stored['lastSeen']),
    connectedAt: str(stored['connectedAt']),
    disconnectedAt: str(stored['disconnectedAt']),
    offlineReason: str(stored['offlineReason']),
    protocol: str(stored['protocol']),
    gateway: str(stored['gateway']),
    registration: str(stored['registration']),
    vendor: str(stored['vendor']) ?? base.vendor,
    model: str(stored['model']) ?? base.model,
    firmware: str(stored['firmware']) ?? base.firmware,
    serialNumber: str(stored['serialNumber']) ?? base.serialNumber,
    firmwareStatus: str(stored['firmwareStatus']),
    diagnosticsStatus: str(stored['diagnosticsStatus']),
    connectors,
  };
}

/**
 * What is published for a charger not connected when the gateway starts: its last state,
 * offline. A shadow stored online belonged to a process that ended without seeing the
 * connection close (a crash, a kill): offline since `startedAt`, reason `restart`.
 */
export function offlineAtStart(s: Shadow, startedAt: string): Shadow {
  if (!s.online) return s;
  return { ...s, online: false, disconnectedAt: startedAt, offlineReason: 'restart' };
}

/**
 * Whether an event's shadow is worth writing to the registry: everything but a presence
 * refresh (`seen` while online changes only lastSeen: Heartbeat, pongs), which would cost a
 * write per Heartbeat.
 */
export function persists(type: string, wasOnline: boolean): boolean {
  return type !== 'seen' || !wasOnline;
}

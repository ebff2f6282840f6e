/**
 * The device shadow published retained on `{tenant}:{deviceId}/state` (interface.md).
 * A pure reducer: the session feeds it what happened, it returns the next shadow, and the
 * shell publishes it. Keeping it pure lets the offline/online rules be tested without sockets.
 */

export interface ConnectorState {
  status: string;
  errorCode: string;
  info?: string | undefined;
  vendorErrorCode?: string | undefined;
  transactionId: number | null;
  idTag?: string | null | undefined;
  updatedAt: string;
  /**
   * OCPP 2.x only (docs/mqtt.md "OCPP 2.0.1 and 2.1 chargers"): the connector's key is its EVSE
   * id, the outlet that charges one vehicle at a time (what 1.6 calls a connector); these keep
   * what the charger said in its own terms: the connector within the EVSE, the 2.x
   * ConnectorStatus (`status` carries the 1.6 name), the transaction's chargingState, and the
   * charger's own string transaction id beside ours.
   */
  evseId?: number | undefined;
  evseConnectorId?: number | undefined;
  connectorStatus?: string | undefined;
  chargingState?: string | null | undefined;
  chargerTransactionId?: string | null | undefined;
}

export interface Shadow {
  deviceId: string;
  tenant: string;
  chargePointId: string;
  online: boolean;
  /** Time of the last frame received from the charger. */
  lastSeen: string | null;
  connectedAt: string | null;
  disconnectedAt: string | null;
  /** Why the charger is offline: 'closed' (socket closed), 'heartbeatTimeout', 'shutdown', 'restart' (shadow-restore.ts). */
  offlineReason: string | null;
  protocol: string | null;
  /** The gateway instance holding the connection (commands are routed to it). */
  gateway: string | null;
  registration: string | null;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  serialNumber: string | null;
  /** Last FirmwareStatusNotification / DiagnosticsStatusNotification status (OCPP 1.6 §4.4, §4.5). */
  firmwareStatus: string | null;
  diagnosticsStatus: string | null;
  connectors: Record<string, ConnectorState>;
}

export type ShadowEvent =
  | { type: 'connected'; at: string; protocol: string; gateway: string }
  | { type: 'seen'; at: string }
  | { type: 'disconnected'; at: string; reason: 'closed' | 'heartbeatTimeout' | 'shutdown' }
  | { type: 'boot'; at: string; registration: string; vendor: string; model: string; firmware?: string | undefined; serialNumber?: string | undefined }
  | { type: 'status'; at: string; connectorId: number; status: string; errorCode: string; info?: string | undefined; vendorErrorCode?: string | undefined; v2?: { evseId: number; evseConnectorId: number; connectorStatus: string } | undefined }
  | { type: 'transactionStarted'; at: string; connectorId: number; transactionId: number; idTag: string; chargerTransactionId?: string | undefined }
  /** OCPP 2.x TransactionEvent chargingState: `status` is its 1.6 name (protocols/ocpp201/status.ts). */
  | { type: 'chargingState'; at: string; connectorId: number; chargingState: string; status: string }
  | { type: 'transactionStopped'; at: string; transactionId: number }
  | { type: 'firmwareStatus'; at: string; status: string }
  | { type: 'diagnosticsStatus'; at: string; status: string };

export function emptyShadow(device: { id: string; tenant: string; chargePointId: string; attrs?: Record<string, unknown> }): Shadow {
  const a = device.attrs ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    deviceId: device.id,
    tenant: device.tenant,
    chargePointId: device.chargePointId,
    online: false,
    lastSeen: null,
    connectedAt: null,
    disconnectedAt: null,
    offlineReason: null,
    protocol: null,
    gateway: null,
    registration: null,
    vendor: str(a['vendor']),
    model: str(a['model']),
    firmware: str(a['firmwareVersion']),
    serialNumber: str(a['chargePointSerialNumber']) ?? str(a['chargeBoxSerialNumber']),
    firmwareStatus: null,
    diagnosticsStatus: null,
    connectors: {},
  };
}

function connector(s: Shadow, id: number, at: string): ConnectorState {
  return s.connectors[String(id)] ?? { status: 'Unknown', errorCode: 'NoError', transactionId: null, updatedAt: at };
}

export function reduceShadow(s: Shadow, e: ShadowEvent): Shadow {
  switch (e.type) {
    case 'connected':
      return { ...s, online: true, lastSeen: e.at, connectedAt: e.at, offlineReason: null, protocol: e.protocol, gateway: e.gateway };
    case 'seen':
      return { ...s, online: true, lastSeen: e.at, offlineReason: null };
    case 'disconnected':
      return { ...s, online: false, disconnectedAt: e.at, offlineReason: e.reason };
    case 'boot':
      return {
        ...s,
        registration: e.registration,
        vendor: e.vendor,
        model: e.model,
        firmware: e.firmware ?? s.firmware,
        serialNumber: e.serialNumber ?? s.serialNumber,
        lastSeen: e.at,
      };
    case 'status': {
      // OCPP 1.6 §4.9: connectorId 0 is the charge point as a whole.
      const prev = connector(s, e.connectorId, e.at);
      const next: ConnectorState = {
        ...prev,
        status: e.status,
        errorCode: e.errorCode,
        info: e.info,
        vendorErrorCode: e.vendorErrorCode,
        updatedAt: e.at,
      };
      if (e.v2) {
        next.evseId = e.v2.evseId;
        next.evseConnectorId = e.v2.evseConnectorId;
        next.connectorStatus = e.v2.connectorStatus;
      }
      // A connector that becomes Available has no transaction any more, even if the
      // StopTransaction is still queued on the charger.
      if (e.status === 'Available') {
        next.transactionId = null;
        next.idTag = null;
        if (next.chargerTransactionId !== undefined) next.chargerTransactionId = null;
        if (next.chargingState !== undefined) next.chargingState = null;
      }
      return { ...s, lastSeen: e.at, connectors: { ...s.connectors, [String(e.connectorId)]: next } };
    }
    case 'transactionStarted': {
      const prev = connector(s, e.connectorId, e.at);
      return {
        ...s,
        lastSeen: e.at,
        connectors: {
          ...s.connectors,
          [String(e.connectorId)]: { ...prev, transactionId: e.transactionId, idTag: e.idTag, updatedAt: e.at, ...(e.chargerTransactionId !== undefined ? { chargerTransactionId: e.chargerTransactionId } : {}) },
        },
      };
    }
    case 'chargingState': {
      const prev = connector(s, e.connectorId, e.at);
      return { ...s, lastSeen: e.at, connectors: { ...s.connectors, [String(e.connectorId)]: { ...prev, status: e.status, chargingState: e.chargingState, updatedAt: e.at } } };
    }
    case 'transactionStopped': {
      const connectors: Record<string, ConnectorState> = {};
      for (const [id, c] of Object.entries(s.connectors)) {
        connectors[id] = c.transactionId === e.transactionId ? { ...c, transactionId: null, idTag: null, updatedAt: e.at, ...(c.chargerTransactionId !== undefined ? { chargerTransactionId: null } : {}) } : c;
      }
      return { ...s, lastSeen: e.at, connectors };
    }
    case 'firmwareStatus':
      return { ...s, lastSeen: e.at, firmwareStatus: e.status };
    case 'diagnosticsStatus':
      return { ...s, lastSeen: e.at, diagnosticsStatus: e.status };
  }
}

/**
 * OCPP 2.x connector states in the shadow's 1.6 vocabulary (docs/mqtt.md), so that a platform
 * reading `status` needs no change for a 2.x charger. Pure.
 *
 * 2.0.1 splits what 1.6 ChargePointStatus (1.6 §7.7) says in one value: StatusNotification
 * carries the ConnectorStatus (Available, Occupied, Reserved, Unavailable, Faulted) and
 * TransactionEvent the transaction's ChargingState (Charging, EVConnected, SuspendedEV,
 * SuspendedEVSE, Idle). Occupied is 1.6's Preparing, Charging, SuspendedEV, SuspendedEVSE or
 * Finishing depending on the transaction; the 2.x values stay beside it (`connectorStatus`,
 * `chargingState`).
 */

/** The 1.6 status of an occupied connector from the transaction's chargingState (null: none known). */
export function occupiedStatus(chargingState: string | null | undefined, transactionOpen: boolean): string {
  switch (chargingState) {
    case 'Charging':
      return 'Charging';
    case 'SuspendedEV':
      return 'SuspendedEV';
    case 'SuspendedEVSE':
      return 'SuspendedEVSE';
    default:
      // EVConnected or Idle, or nothing said: before a transaction (or during one not yet
      // charging) that is Preparing; after it ended with the cable still in, Finishing.
      return transactionOpen ? 'Preparing' : chargingState === undefined || chargingState === null ? 'Preparing' : 'Finishing';
  }
}

/** The 1.6 status for a 2.x ConnectorStatus. */
export function legacyStatus(connectorStatus: string, chargingState: string | null | undefined, transactionOpen: boolean): string {
  return connectorStatus === 'Occupied' ? occupiedStatus(chargingState, transactionOpen) : connectorStatus;
}

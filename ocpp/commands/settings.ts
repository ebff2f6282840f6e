/**
 * OCPP 1.6 configuration keys (1.6 §9 "Standard configuration key names") and the OCPP 2.0.1
 * component and variable that hold the same setting (2.0.1 part 2 appendices §3.1: AuthCtrlr
 * §3.1.2, AuthCacheCtrlr §3.1.3, AlignedDataCtrlr §3.1.1, LocalAuthListCtrlr §3.1.10,
 * OCPPCommCtrlr §3.1.12, SampledDataCtrlr §3.1.14, TxCtrlr §3.1.18), for the neutral
 * getSetting / setSetting commands (neutral.ts). Any other setting is named `Component.Variable`.
 * Pure.
 */

const BY_16_KEY: Readonly<Record<string, { component: string; variable: string }>> = {
  heartbeatinterval: { component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval' },
  websocketpinginterval: { component: 'OCPPCommCtrlr', variable: 'WebSocketPingInterval' },
  transactionmessageattempts: { component: 'OCPPCommCtrlr', variable: 'MessageAttempts' },
  transactionmessageretryinterval: { component: 'OCPPCommCtrlr', variable: 'MessageAttemptInterval' },
  metervaluesampleinterval: { component: 'SampledDataCtrlr', variable: 'TxUpdatedInterval' },
  metervaluessampleddata: { component: 'SampledDataCtrlr', variable: 'TxUpdatedMeasurands' },
  stoptxnsampleddata: { component: 'SampledDataCtrlr', variable: 'TxEndedMeasurands' },
  clockaligneddatainterval: { component: 'AlignedDataCtrlr', variable: 'Interval' },
  metervaluesaligneddata: { component: 'AlignedDataCtrlr', variable: 'Measurands' },
  connectiontimeout: { component: 'TxCtrlr', variable: 'EVConnectionTimeOut' },
  stoptransactiononevsidedisconnect: { component: 'TxCtrlr', variable: 'StopTxOnEVSideDisconnect' },
  localauthorizeoffline: { component: 'AuthCtrlr', variable: 'LocalAuthorizeOffline' },
  localpreauthorize: { component: 'AuthCtrlr', variable: 'LocalPreAuthorize' },
  authorizeremotetxrequests: { component: 'AuthCtrlr', variable: 'AuthorizeRemoteStart' },
  authorizationcacheenabled: { component: 'AuthCacheCtrlr', variable: 'Enabled' },
  localauthlistenabled: { component: 'LocalAuthListCtrlr', variable: 'Enabled' },
};

/** The 2.x component and variable of a setting: a 1.6 key of the table, or `Component.Variable`. */
export function settingFor(key: string): { component: string; variable: string } | null {
  const known = Object.hasOwn(BY_16_KEY, key.toLowerCase()) ? BY_16_KEY[key.toLowerCase()]! : undefined;
  if (known) return known;
  const m = key.match(/^([A-Za-z][\w]{0,49})\.([A-Za-z][\w]{0,49})$/);
  return m ? { component: m[1]!, variable: m[2]! } : null;
}

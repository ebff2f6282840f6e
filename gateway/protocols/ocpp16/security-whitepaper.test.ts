/**
 * The 1.6 security whitepaper's messages (ocpp/security-whitepaper.ts) behind the 1.6 adapter: its
 * charger-initiated ones have handlers, its central-system ones are raw commands validated by
 * ocpp-rpc's 1.6 schemas (§5).
 */
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../commands/check.ts';
import { isOcppCommandAction, OCPP_COMMAND_ACTIONS } from '../../../ocpp/actions.ts';
import { ocpp16 } from './adapter.ts';
import { WHITEPAPER_CENTRAL_SYSTEM_ACTIONS, WHITEPAPER_CHARGE_POINT_ACTIONS } from '../../../ocpp/security-whitepaper.ts';

const cmd = (action: string, payload: Record<string, unknown>) => checkCommand({ id: '1', action, payload }, null, ocpp16);

describe('the 1.6 adapter and the security whitepaper', () => {
  it('answers every charger-initiated whitepaper message, and validates them with the 1.6 schemas', () => {
    for (const a of WHITEPAPER_CHARGE_POINT_ACTIONS) {
      expect(ocpp16.handler(a), a).toBeTypeOf('function');
      expect(ocpp16.schemas.hasSchema(a), a).toBe(true);
    }
    expect(ocpp16.schemas.validateRequest('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: '2026-01-01T00:00:00Z' }).ok).toBe(true);
    expect(ocpp16.schemas.validateRequest('SignCertificate', { csr: 'x'.repeat(5501) }).ok).toBe(false);
  });

  it('takes every central-system whitepaper message as a command; the API and config topic know them', () => {
    for (const a of WHITEPAPER_CENTRAL_SYSTEM_ACTIONS) {
      expect(ocpp16.commandActions.has(a), a).toBe(true);
      expect(isOcppCommandAction(a), a).toBe(true);
      expect(OCPP_COMMAND_ACTIONS).toContain(a);
    }
    // The core profiles stay.
    expect(ocpp16.commandActions.has('RemoteStartTransaction')).toBe(true);
  });

  it.each<[string, Record<string, unknown>]>([
    ['CertificateSigned', { certificateChain: '-----BEGIN CERTIFICATE-----...' }],
    ['InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: '-----BEGIN CERTIFICATE-----...' }],
    ['DeleteCertificate', { certificateHashData: { hashAlgorithm: 'SHA256', issuerNameHash: 'a', issuerKeyHash: 'b', serialNumber: '01' } }],
    ['GetInstalledCertificateIds', { certificateType: 'ManufacturerRootCertificate' }],
    ['ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }],
    ['GetLog', { logType: 'SecurityLog', requestId: 7, log: { remoteLocation: 'https://logs.example/up' } }],
    ['SignedUpdateFirmware', { requestId: 3, firmware: { location: 'https://fw.example/1.bin', retrieveDateTime: '2026-01-01T00:00:00Z', signingCertificate: 'PEM', signature: 'c2ln' } }],
  ])('%s with a valid payload passes', (action, payload) => {
    expect(cmd(action, payload)).toBeNull();
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['CertificateSigned', { certificateChain: 'x'.repeat(10_001) }, 'payload.certificateChain'],
    ['InstallCertificate', { certificateType: 'V2GRootCertificate', certificate: 'PEM' }, 'payload.certificateType'],
    ['ExtendedTriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }, 'payload.requestedMessage'],
    ['SignedUpdateFirmware', { firmware: { location: 'x', retrieveDateTime: '2026-01-01T00:00:00Z', signingCertificate: 'PEM', signature: 's' } }, 'payload.requestId'],
  ])('%s with a bad payload is refused before it is sent', (action, payload, field) => {
    expect(cmd(action, payload)).toMatchObject({ code: 'invalid', field });
  });

  it('a 2.0.1-only command is still not a 1.6 one', () => {
    expect(cmd('SetVariables', { setVariableData: [] })).toMatchObject({ code: 'invalid', field: 'action' });
  });
});

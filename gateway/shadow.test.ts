import { describe, expect, it } from 'vitest';
import { emptyShadow, reduceShadow, type Shadow, type ShadowEvent } from './shadow.ts';

const base = () => emptyShadow({ id: 'a1b2c3d4', tenant: 'admin', chargePointId: 'CP1', attrs: { vendor: 'ABB', model: 'Terra 54' } });
const run = (events: ShadowEvent[], s: Shadow = base()) => events.reduce(reduceShadow, s);
const t = (n: number) => `2026-01-01T00:00:0${n}.000Z`;

describe('device shadow', () => {
  it('starts offline with the registry attributes', () => {
    expect(base()).toMatchObject({ online: false, vendor: 'ABB', model: 'Terra 54', connectors: {} });
  });

  it('goes online on connect and offline with a reason', () => {
    const s = run([
      { type: 'connected', at: t(1), protocol: 'ocpp1.6', gateway: 'gw-1' },
      { type: 'disconnected', at: t(2), reason: 'heartbeatTimeout' },
    ]);
    expect(s).toMatchObject({ online: false, connectedAt: t(1), disconnectedAt: t(2), offlineReason: 'heartbeatTimeout' });
    expect(reduceShadow(s, { type: 'seen', at: t(3) })).toMatchObject({ online: true, offlineReason: null, lastSeen: t(3) });
  });

  it('tracks connector status and transactions', () => {
    const s = run([
      { type: 'status', at: t(1), connectorId: 1, status: 'Preparing', errorCode: 'NoError' },
      { type: 'transactionStarted', at: t(2), connectorId: 1, transactionId: 7, idTag: 'NOA' },
      { type: 'status', at: t(3), connectorId: 2, status: 'Faulted', errorCode: 'GroundFailure' },
    ]);
    expect(s.connectors['1']).toMatchObject({ status: 'Preparing', transactionId: 7, idTag: 'NOA' });
    expect(s.connectors['2']).toMatchObject({ status: 'Faulted', errorCode: 'GroundFailure', transactionId: null });
    const stopped = reduceShadow(s, { type: 'transactionStopped', at: t(4), transactionId: 7 });
    expect(stopped.connectors['1']).toMatchObject({ transactionId: null });
  });

  it('clears a transaction when the connector becomes Available', () => {
    const s = run([
      { type: 'transactionStarted', at: t(1), connectorId: 1, transactionId: 9, idTag: 'X' },
      { type: 'status', at: t(2), connectorId: 1, status: 'Available', errorCode: 'NoError' },
    ]);
    expect(s.connectors['1']?.transactionId).toBeNull();
    expect(s.connectors['1']?.idTag).toBeNull();
  });

  it('clears the idTag with the transaction when it stops', () => {
    const s = run([
      { type: 'transactionStarted', at: t(1), connectorId: 1, transactionId: 9, idTag: 'X' },
      { type: 'transactionStopped', at: t(2), transactionId: 9 },
    ]);
    expect(s.connectors['1']).toMatchObject({ transactionId: null, idTag: null, updatedAt: t(2) });
  });

  it('does not mutate its input', () => {
    const s = base();
    const copy = structuredClone(s);
    reduceShadow(s, { type: 'status', at: t(1), connectorId: 1, status: 'Charging', errorCode: 'NoError' });
    expect(s).toEqual(copy);
  });
});

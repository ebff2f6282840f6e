/**
 * Issue 2 "Bad input": malformed frames, unknown actions and schema failures get the right
 * CALLERROR, the connection stays up, a warning event is published; lenient mode keeps a
 * charger that bends the schema working; a second connection with the same identity wins;
 * a silent charger is flagged offline past the heartbeat tolerance.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectCharger, Platform, startSystem, type System } from './harness.ts';

let sys: System | undefined;
let platform: Platform | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await platform?.close();
  await sys?.stop();
  platform = sys = undefined;
});

/** A raw OCPP-J socket, to send frames no well-behaved client library would. */
async function rawCharger(url: string, identity: string) {
  const ws = new WebSocket(`${url}/${identity}`, ['ocpp1.6']);
  sockets.push(ws);
  await once(ws, 'open');
  const inbox: unknown[][] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    inbox.push(JSON.parse(d.toString()) as unknown[]);
    for (const w of waiters.splice(0)) w();
  });
  return {
    ws,
    async send(frame: string, id?: string): Promise<unknown[]> {
      ws.send(frame);
      for (;;) {
        const hit = inbox.find((m) => id === undefined || m[1] === id);
        if (hit) {
          inbox.splice(inbox.indexOf(hit), 1);
          return hit;
        }
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

async function deviceBase(p: Platform, cpId: string): Promise<string> {
  const m = await p.waitFor((x) => x.topic.endsWith('/state') && x.json['chargePointId'] === cpId);
  return m.topic.split('/')[0]!;
}

describe('bad input', () => {
  it('answers each malformed frame with the right CALLERROR and keeps the connection', async () => {
    sys = await startSystem({ OCPP_LENIENT: 'false' });
    platform = await Platform.connect(sys.mqttUrl);
    const cp = await rawCharger(sys.ocppUrl, 'BAD-1');
    const base = await deviceBase(platform, 'BAD-1');

    // Not JSON at all: OCPP-J 1.6 §4.2.3, no message id to echo.
    const notJson = await cp.send('{"this is not json', '-1');
    expect(notJson.slice(0, 3)).toEqual([4, '-1', 'FormationViolation']);

    // An action the Central System does not implement.
    const unknown = await cp.send(JSON.stringify([2, 'm1', 'FlyToTheMoon', {}]), 'm1');
    expect(unknown.slice(0, 3)).toEqual([4, 'm1', 'NotImplemented']);

    // Schema failures, strict mode: the OCPP-J 1.6 error codes (errata §5 spellings).
    const missing = await cp.send(JSON.stringify([2, 'm2', 'Authorize', {}]), 'm2');
    expect(missing[2]).toBe('OccurenceConstraintViolation');
    const wrongType = await cp.send(JSON.stringify([2, 'm3', 'StatusNotification', { connectorId: '1', errorCode: 'NoError', status: 'Available' }]), 'm3');
    expect(wrongType[2]).toBe('TypeConstraintViolation');
    const extraKey = await cp.send(JSON.stringify([2, 'm4', 'Heartbeat', { surprise: 1 }]), 'm4');
    expect(extraKey[2]).toBe('PropertyConstraintViolation');
    const tooLong = await cp.send(JSON.stringify([2, 'm5', 'Authorize', { idTag: 'X'.repeat(21) }]), 'm5');
    expect(tooLong[2]).toBe('FormationViolation');

    // The connection is still up and works.
    const hb = await cp.send(JSON.stringify([2, 'm6', 'Heartbeat', {}]), 'm6');
    expect(hb[0]).toBe(3);
    expect(cp.ws.readyState).toBe(WebSocket.OPEN);

    // Warning events name what was wrong.
    await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'badMessage');
    const warn = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'protocolWarning' && m.json['messageId'] === 'm3');
    expect(warn.json['error']).toMatchObject({ code: 'TypeConstraintViolation' });
    const ocppErr = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'ocpp' && m.json['messageId'] === 'm1');
    expect(ocppErr.json['error']).toMatchObject({ code: 'NotImplemented' });
  });

  it('lenient mode serves a charger that bends the schema and reports protocolWarning', async () => {
    sys = await startSystem({ OCPP_LENIENT: 'true' });
    platform = await Platform.connect(sys.mqttUrl);
    const cp = await rawCharger(sys.ocppUrl, 'BENDY-1');
    const base = await deviceBase(platform, 'BENDY-1');

    // Numbers as strings, a zone-less timestamp, an extra key, free-form message id (field notes).
    const res = await cp.send(
      JSON.stringify([2, '2959:49', 'StartTransaction', { connectorId: '1', idTag: 'NOA', meterStart: '2087100', timestamp: '2022-03-04T13:37:18.616', vendorExtra: 'x' }]),
      '2959:49',
    );
    expect(res[0]).toBe(3);
    expect((res[2] as { transactionId: number }).transactionId).toBeGreaterThan(0);
    const warn = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'protocolWarning');
    const kinds = (warn.json['deviations'] as Array<{ kind: string }>).map((d) => d.kind).sort();
    expect(kinds).toEqual(['extraKey', 'numberAsString', 'numberAsString', 'timestampWithoutZone']);

    // "null" as a string for an optional field, a measurand value as a number.
    const mv = await cp.send(
      JSON.stringify([2, 'mv1', 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2022-03-04T13:40:00Z', sampledValue: [{ value: 7.5, measurand: 'Power.Active.Import', unit: 'kW', phase: 'null' }] }] }]),
      'mv1',
    );
    expect(mv).toEqual([3, 'mv1', {}]);
    const attrs = await platform.waitFor((m) => m.topic === `${base}/attrs` && m.json['timestamp'] === '2022-03-04T13:40:00.000Z');
    expect(attrs.json['power']).toBe(7500);

    // What cannot be repaired still gets its CALLERROR, and the connection stays up.
    const bad = await cp.send(JSON.stringify([2, 'x1', 'Authorize', {}]), 'x1');
    expect(bad[2]).toBe('OccurenceConstraintViolation');
    expect((await cp.send(JSON.stringify([2, 'x2', 'Heartbeat', {}]), 'x2'))[0]).toBe(3);
  });

  it('publishes a telemetryWarning for samples that are not numbers, never 0 or NaN', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);
    const cp = await connectCharger(sys, 'NAN-1');
    const base = await deviceBase(platform, 'NAN-1');
    await cp.call('MeterValues', {
      connectorId: 1,
      meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: 'n/a', measurand: 'Voltage' }, { value: '230', measurand: 'Voltage', phase: 'L1' }] }],
    });
    const attrs = await platform.waitFor((m) => m.topic === `${base}/attrs`);
    expect(attrs.json).not.toHaveProperty('voltage', 0);
    expect(attrs.json['voltage_L1']).toBe(230);
    const warn = await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'telemetryWarning');
    expect(warn.json['warnings']).toEqual([expect.objectContaining({ code: 'NOT_A_NUMBER', value: 'n/a' })]);
  });

  it('a second connection with the same identity replaces the first', async () => {
    sys = await startSystem();
    platform = await Platform.connect(sys.mqttUrl);
    const first = await connectCharger(sys, 'TWICE-1');
    const closed = once(first, 'close');
    const second = await connectCharger(sys, 'TWICE-1');
    await closed;
    expect(await second.call('Heartbeat', {})).toHaveProperty('currentTime');
    // The gateway thread reports its connection count four times a second.
    await expect.poll(() => sys!.gateway.connections, { timeout: 5000 }).toBe(1);
    const base = await deviceBase(platform, 'TWICE-1');
    await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'replaced');
    // The old socket's close must not flag the device offline: the last shadow says online.
    await new Promise((r) => setTimeout(r, 100));
    const states = platform.messages.filter((m) => m.topic === `${base}/state`);
    expect(states.at(-1)?.json['online']).toBe(true);
    await second.close();
  });

  it('flags a silent charger offline past the heartbeat tolerance, and online again on its next frame', async () => {
    sys = await startSystem({ HEARTBEAT_TOLERANCE: '0.6' });
    platform = await Platform.connect(sys.mqttUrl);
    const cp = await connectCharger(sys, 'QUIET-1');
    const base = await deviceBase(platform, 'QUIET-1');
    const off = await platform.waitFor((m) => m.topic === `${base}/state` && m.json['offlineReason'] === 'heartbeatTimeout', 5000);
    expect(off.json['online']).toBe(false);
    await platform.waitFor((m) => m.topic === `${base}/events` && m.json['type'] === 'offline');
    const n = platform.messages.length;
    await cp.call('Heartbeat', {});
    await platform.waitFor((m) => platform!.messages.indexOf(m) >= n && m.topic === `${base}/state` && m.json['online'] === true);
    await cp.close();
  });

  it('refuses an unknown charger at the handshake when auto-provisioning is off', async () => {
    sys = await startSystem({ AUTO_PROVISION: 'false' });
    const ws = new WebSocket(`${sys.ocppUrl}/NOBODY`, ['ocpp1.6']);
    ws.on('error', () => undefined); // ws reports the refused upgrade as an error too
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number; resume(): void }];
    expect(res.statusCode).toBe(404);
    res.resume();
  });
});

/**
 * The certificate service (service.ts) on a real session with a recording bus and a stand-in
 * command path: what each mode answers, what it publishes and sends, and when it asks for a
 * renewal. The same over real TLS and processes: test/ocpp-certificates.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../broker/bus.ts';
import { loadConfig, type Config } from '../../common/config.ts';
import { createLogger } from '../../common/logger.ts';
import type { Device } from '../../contracts/registry.ts';
import { createPki, type Pki, type TestCa } from '../../test/pki.ts';
import type { ClientCertificate } from '../client-certificate.ts';
import type { Command, CommandReply } from '../../contracts/commands.ts';
import { adapterFor } from '../protocols/index.ts';
import { ChargerSession } from '../session.ts';
import type { TelemetrySink } from '../telemetry-sink.ts';
import { createCertificateService, csrMode } from './service.ts';
import { topicsFor } from '../../contracts/topics.ts';

let pki: Pki;
let ca: TestCa;
beforeAll(() => {
  pki = createPki();
  ca = pki.ca('service-ca', { days: 3650 });
});
afterAll(() => pki?.cleanup());

const log = createLogger('silent');
const telemetry = { refusal: null, publish: () => ({}) as never, settled: () => undefined } as unknown as TelemetrySink;

function session(chargePointId: string, protocol = 'ocpp1.6', securityProfile: 1 | 2 | 3 = 3) {
  const events: Array<Record<string, unknown>> = [];
  const bus = {
    publish: (topic: string, payload: string) => {
      if (topic.endsWith('/events')) events.push(JSON.parse(payload) as Record<string, unknown>);
    },
  } as unknown as Bus;
  const device = { id: `id-${chargePointId}`, tenant: 'admin', chargePointId, label: chargePointId, enabled: true, passwordHash: null, pendingPasswordHash: null, lenient: null, securityProfile, ocppProtocol: null, templates: [], attrs: {}, site: null, createdAt: '', updatedAt: '' } as Device;
  const s = new ChargerSession({ device, adapter: adapterFor(protocol), bus, log, toleranceSeconds: 150, telemetry, topics: topicsFor('dojot') });
  return { s, events };
}

function commandPath() {
  const sent: Command[] = [];
  return {
    sent,
    execute: (_deviceId: string, cmd: Command): Promise<CommandReply> => {
      sent.push(cmd);
      return Promise.resolve({ id: cmd.id, action: cmd.action, status: 'ok', response: { status: 'Accepted' } });
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));
const until = async (pred: () => boolean) => {
  for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(pred()).toBe(true);
};

function cert(daysLeft: number): ClientCertificate {
  return { verified: true, error: null, commonName: 'X', organization: 'O', serialNumber: '01', fingerprint256: 'AA', validTo: new Date(Date.now() + daysLeft * 86_400_000 + 3_600_000).toISOString(), via: 'tls' };
}

const signing = (): Config => loadConfig({ OCPP_CSR_CA_CERT_FILE: ca.cert, OCPP_CSR_CA_KEY_FILE: ca.key });

describe('csrMode', () => {
  it('signs with a CA, rejects without; OCPP_CSR_MODE overrides', () => {
    expect(csrMode(loadConfig({}))).toBe('reject');
    expect(csrMode(signing())).toBe('sign');
    expect(csrMode(loadConfig({ OCPP_CSR_MODE: 'forward' }))).toBe('forward');
    expect(csrMode(loadConfig({ OCPP_CSR_MODE: 'reject', OCPP_CSR_CA_CERT_FILE: ca.cert, OCPP_CSR_CA_KEY_FILE: ca.key }))).toBe('reject');
  });
});

describe('signCertificate', () => {
  it('without a CA: Rejected, csrRefused NO_CA, nothing sent (as before issue 18)', async () => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: loadConfig({}), log, execute: cmds.execute });
    const { s, events } = session('CP-NOCA');
    expect(await svc.signCertificate(s, 'm1', { csr: pki.csr('/O=O/CN=CP-NOCA').csrPem })).toEqual({ status: 'Rejected' });
    expect(events).toEqual([expect.objectContaining({ type: 'csrRefused', messageId: 'm1', reason: 'NO_CA' })]);
    await turn();
    expect(cmds.sent).toEqual([]);
  });

  it('signs, answers Accepted, and sends CertificateSigned only after the answer (a later turn)', async () => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: signing(), log, execute: cmds.execute });
    const { s } = session('CP-SIGN');
    expect(await svc.signCertificate(s, 'm1', { csr: pki.csr('/O=O/CN=CP-SIGN').csrPem })).toEqual({ status: 'Accepted' });
    expect(cmds.sent).toEqual([]);
    await turn();
    expect(cmds.sent).toEqual([{ id: expect.stringMatching(/^certificate-signed-/), action: 'CertificateSigned', payload: { certificateChain: expect.stringContaining('-----BEGIN CERTIFICATE-----') } }]);
  });

  it('2.0.1 names the certificate type; a V2GCertificate CSR is not signed here', async () => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: signing(), log, execute: cmds.execute });
    const { s, events } = session('CS-SIGN', 'ocpp2.0.1');
    expect(await svc.signCertificate(s, 'm1', { csr: pki.csr('/O=O/CN=CS-SIGN').csrPem, certificateType: 'V2GCertificate' })).toEqual({ status: 'Rejected' });
    expect(events[0]).toMatchObject({ type: 'csrRefused', reason: 'CSR_TYPE_UNSUPPORTED', certificateType: 'V2GCertificate' });
    expect(await svc.signCertificate(s, 'm2', { csr: pki.csr('/O=O/CN=CS-SIGN').csrPem })).toEqual({ status: 'Accepted' });
    await until(() => cmds.sent.length === 1);
    expect(cmds.sent[0]!.payload).toEqual({ certificateChain: expect.any(String), certificateType: 'ChargingStationCertificate' });
  });

  it('2.1 also returns the request\'s requestId', async () => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: signing(), log, execute: cmds.execute });
    const { s } = session('CS-21', 'ocpp2.1');
    expect(await svc.signCertificate(s, 'm1', { csr: pki.csr('/O=O/CN=CS-21').csrPem, certificateType: 'ChargingStationCertificate', requestId: 5 })).toEqual({ status: 'Accepted' });
    await until(() => cmds.sent.length === 1);
    expect(cmds.sent[0]!.payload).toEqual({ certificateChain: expect.any(String), certificateType: 'ChargingStationCertificate', requestId: 5 });
  });

  it('one CSR at a time per charger: a second one while CertificateSigned is on its way is Rejected', async () => {
    let answer: (() => void) | undefined;
    const sent: Command[] = [];
    const execute = (_d: string, cmd: Command) => {
      sent.push(cmd);
      return new Promise<CommandReply>((r) => (answer = () => r({ id: cmd.id, action: cmd.action, status: 'ok', response: { status: 'Accepted' } })));
    };
    const svc = createCertificateService({ config: signing(), log, execute });
    const { s, events } = session('CP-TWICE');
    const csr = () => ({ csr: pki.csr('/O=O/CN=CP-TWICE').csrPem });
    expect(await svc.signCertificate(s, 'm1', csr())).toEqual({ status: 'Accepted' });
    await until(() => sent.length === 1);
    expect(await svc.signCertificate(s, 'm2', csr())).toEqual({ status: 'Rejected' });
    expect(events.at(-1)).toMatchObject({ type: 'csrRefused', reason: 'CSR_IN_PROGRESS' });
    answer!();
    await turn();
    expect(await svc.signCertificate(s, 'm3', csr())).toEqual({ status: 'Accepted' });
  });

  it('a CA that stopped loading (files gone since start) answers Rejected, CA_UNAVAILABLE', async () => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: loadConfig({ OCPP_CSR_CA_CERT_FILE: `${pki.dir}/gone.pem`, OCPP_CSR_CA_KEY_FILE: ca.key }), log, execute: cmds.execute });
    const { s, events } = session('CP-GONE');
    expect(await svc.signCertificate(s, 'm1', { csr: pki.csr('/O=O/CN=CP-GONE').csrPem })).toEqual({ status: 'Rejected' });
    expect(events[0]).toMatchObject({ type: 'csrRefused', reason: 'CA_UNAVAILABLE' });
  });

  it('forward: Accepted and published with the identity, the PEM and the type; nothing sent', async () => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: loadConfig({ OCPP_CSR_MODE: 'forward' }), log, execute: cmds.execute });
    const { s, events } = session('CS-FWD', 'ocpp2.0.1');
    const { csrPem } = pki.csr('/O=O/CN=CS-FWD');
    expect(await svc.signCertificate(s, 'm1', { csr: csrPem, certificateType: 'ChargingStationCertificate' })).toEqual({ status: 'Accepted' });
    expect(events).toEqual([{ type: 'certificateSigningRequest', messageId: 'm1', chargePointId: 'CS-FWD', protocol: 'ocpp2.0.1', csr: csrPem.trim(), certificateType: 'ChargingStationCertificate', ts: expect.any(String) }]);
    await turn();
    expect(cmds.sent).toEqual([]);
  });
});

describe('renewal', () => {
  it('a due profile-3 certificate: one trigger, after the first answer with the boot accepted', async () => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: signing(), log, execute: cmds.execute });
    const { s } = session('CP-DUE');
    svc.connected(s, cert(10));
    svc.answered(s);
    await turn();
    expect(cmds.sent).toEqual([]);
    s.update({ type: 'boot', at: new Date().toISOString(), registration: 'Pending', vendor: 'V', model: 'M' });
    svc.answered(s);
    await turn();
    expect(cmds.sent).toEqual([]);
    s.update({ type: 'boot', at: new Date().toISOString(), registration: 'Accepted', vendor: 'V', model: 'M' });
    svc.answered(s);
    svc.answered(s);
    await turn();
    expect(cmds.sent).toEqual([{ id: expect.stringMatching(/^renew-certificate-/), action: 'ExtendedTriggerMessage', payload: { requestedMessage: 'SignChargePointCertificate' } }]);
  });

  it('2.x asks with TriggerMessage SignChargingStationCertificate', async () => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: loadConfig({ OCPP_CSR_MODE: 'forward' }), log, execute: cmds.execute });
    const { s } = session('CS-DUE', 'ocpp2.1');
    s.update({ type: 'boot', at: new Date().toISOString(), registration: 'Accepted', vendor: 'V', model: 'M' });
    svc.connected(s, cert(29));
    svc.answered(s);
    await turn();
    expect(cmds.sent.map((c) => [c.action, c.payload])).toEqual([['TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }]]);
  });

  it.each<[string, () => Config, 1 | 2 | 3, number]>([
    ['not due (30 days left)', signing, 3, 30],
    ['no CA and no forwarding', () => loadConfig({}), 3, 10],
    ['not profile 3', signing, 2, 10],
  ])('nothing when %s', async (_what, config, profile, days) => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: config(), log, execute: cmds.execute });
    const { s } = session('CP-NOT', 'ocpp1.6', profile);
    s.update({ type: 'boot', at: new Date().toISOString(), registration: 'Accepted', vendor: 'V', model: 'M' });
    svc.connected(s, cert(days));
    svc.answered(s);
    await turn();
    expect(cmds.sent).toEqual([]);
  });

  it('a connection closed before its boot is forgotten', async () => {
    const cmds = commandPath();
    const svc = createCertificateService({ config: signing(), log, execute: cmds.execute });
    const { s } = session('CP-GONE-EARLY');
    svc.connected(s, cert(1));
    svc.closed(s);
    s.update({ type: 'boot', at: new Date().toISOString(), registration: 'Accepted', vendor: 'V', model: 'M' });
    svc.answered(s);
    await turn();
    expect(cmds.sent).toEqual([]);
  });
});

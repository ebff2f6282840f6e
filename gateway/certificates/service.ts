/**
 * Certificate management for chargers (issue 18; docs/security.md "Certificate lifecycle"), the
 * same for every OCPP version:
 *
 * - SignCertificate (1.6 security whitepaper §5.17, A02/A03; 2.0.1 A02/A03): the CSR is parsed and
 *   checked (csr.ts). OCPP_CSR_MODE `sign`: the configured CA signs it (authority.ts) before the
 *   answer, so a CSR the gateway cannot serve is answered Rejected (A02.FR.12) and one it can
 *   Accepted (A02.FR.11); once the answer is out, CertificateSigned goes to the charger through
 *   the gateway's command path (commands/execute.ts: a `command` event like any other). `forward`:
 *   a CSR that passes the checks is Accepted and published on the charger's `events` topic
 *   (`certificateSigningRequest`) for an external CA (A02.FR.04: "forwards the CSR to a dedicated
 *   certificate authority server"), which answers with an ordinary CertificateSigned command.
 *   `reject` (no CA): Rejected, as before. A refused CSR is published as `csrRefused` with why.
 * - Renewal (A02, "Charge Point certificate is almost due"): a profile-3 charger whose certificate
 *   ends within CERT_EXPIRY_WARNING_DAYS is asked for a new CSR once per connection, after its
 *   first exchange while its boot is accepted: 1.6 ExtendedTriggerMessage
 *   SignChargePointCertificate, 2.x TriggerMessage SignChargingStationCertificate.
 */
import { readFileSync } from 'node:fs';
import { randomUUID, X509Certificate } from 'node:crypto';
import type { Config } from '../../common/config.ts';
import type { Logger } from '../../common/logger.ts';
import { pemCertificates } from '../../common/tls-files.ts';
import type { Command, CommandReply } from '../../contracts/commands.ts';
import type { ClientCertificate } from '../client-certificate.ts';
import { CERT_EXPIRY_WARNING_DAYS } from '../handshake.ts';
import type { ChargerSession } from '../session.ts';
import type { GatewayStore } from '../store-port.ts';
import { caFiles, createAuthority, issueCertificate, type Authority } from './authority.ts';
import { checkCsr, readCsr, type CsrRefusal } from './csr.ts';

export type CsrMode = 'sign' | 'forward' | 'reject';

/** `sign` with a CA configured, `reject` without; OCPP_CSR_MODE says otherwise. */
export function csrMode(config: Pick<Config, 'OCPP_CSR_MODE' | 'OCPP_CSR_CA_CERT_FILE'>): CsrMode {
  return config.OCPP_CSR_MODE ?? (config.OCPP_CSR_CA_CERT_FILE ? 'sign' : 'reject');
}

/** SignCertificate's request in any version (2.x adds certificateType; 2.1 requestId). */
export interface SignRequest {
  csr: string;
  certificateType?: string | undefined;
  requestId?: number | undefined;
}

/** Why a CSR was answered Rejected: a check (csr.ts), or the gateway cannot serve it. */
export type SignRefusal = CsrRefusal | 'NO_CA' | 'CSR_IN_PROGRESS' | 'CA_UNAVAILABLE' | 'CERTIFICATE_NOT_SENDABLE';

export interface CertificateService {
  readonly mode: CsrMode;
  /** SignCertificate: the answer; CertificateSigned follows once it is out (mode sign). */
  signCertificate(session: ChargerSession, messageId: string, req: SignRequest): Promise<{ status: 'Accepted' | 'Rejected' }>;
  /** A connection was admitted with this client certificate (profile 3) or none. */
  connected(session: ChargerSession, certificate: ClientCertificate | null): void;
  /** After every answered CALL (cheap when no renewal is due). */
  answered(session: ChargerSession): void;
  closed(session: ChargerSession): void;
}

export interface CertificateDeps {
  config: Config;
  log: Logger;
  /** The gateway's command path for a device connected here (Gateway#execute); null when it is not. */
  execute: (deviceId: string, cmd: Command) => Promise<CommandReply> | null;
  /** The register of issued certificates (contracts/certificates.ts): each signed certificate is recorded before it is sent. */
  register?: Pick<GatewayStore, 'recordCertificate' | 'setCertificateAnswer'> | undefined;
}

/** After the current answer has been written (the connection sends it when the handler's promise settles). */
const afterAnswer = (fn: () => void) => setImmediate(fn);

export function createCertificateService(deps: CertificateDeps): CertificateService {
  const { config, execute } = deps;
  const log = deps.log.child({ component: 'certificates' });
  const mode = csrMode(config);
  const files = mode === 'sign' ? caFiles(config) : null;
  const authority: Authority | null = files ? createAuthority(files, log) : null;
  /** Devices whose CertificateSigned is on its way. */
  const issuing = new Set<string>();
  /** Sessions owed a renewal trigger. */
  const renewDue = new Set<ChargerSession>();

  if (authority) {
    void authority.current().then(
      (ca) => {
        log.info({ subject: ca.subject, fingerprint256: ca.fingerprint256, notAfter: ca.notAfter.toISOString(), validityDays: config.OCPP_CSR_VALIDITY_DAYS }, 'chargers\' CSRs are signed by this CA');
        trustCheck(config, ca.fingerprint256, log);
      },
      (err: unknown) => log.error({ reason: (err as Error).message }, 'the CSR signing CA does not load: CSRs are answered Rejected'),
    );
  }

  function refused(session: ChargerSession, messageId: string, req: SignRequest, reason: SignRefusal, detail: string): { status: 'Rejected' } {
    session.log.warn({ reason, detail, certificateType: req.certificateType }, 'CSR refused');
    session.event({ type: 'csrRefused', messageId, reason, detail, ...(req.certificateType !== undefined ? { certificateType: req.certificateType } : {}) });
    return { status: 'Rejected' };
  }

  async function send(session: ChargerSession, cmd: Command, what: string): Promise<CommandReply | null> {
    const pending = execute(session.device.id, cmd);
    if (!pending) {
      session.log.warn({ action: cmd.action }, `${what}: the charger is no longer connected here`);
      return null;
    }
    return pending;
  }

  return {
    mode,

    async signCertificate(session, messageId, req) {
      const identity = session.chargePointId;
      if (mode === 'reject') return refused(session, messageId, req, 'NO_CA', 'no CA configured (OCPP_CSR_CA_CERT_FILE) and OCPP_CSR_MODE is not forward');
      const parsed = await readCsr(req.csr);
      if (!parsed.ok) return refused(session, messageId, req, parsed.reason, parsed.detail);
      const csr = parsed.csr;
      const verdict = checkCsr(csr, { identity, organization: config.OCPP_TLS_ORGANIZATION, certificateType: req.certificateType, signing: mode === 'sign' });
      if (!verdict.ok) return refused(session, messageId, req, verdict.reason, verdict.detail);

      if (mode === 'forward') {
        session.event({
          type: 'certificateSigningRequest',
          messageId,
          chargePointId: identity,
          protocol: session.protocol,
          csr: csr.pem,
          ...(req.certificateType !== undefined ? { certificateType: req.certificateType } : {}),
          ...(req.requestId !== undefined ? { requestId: req.requestId } : {}),
        });
        session.log.info({ certificateType: req.certificateType }, 'CSR forwarded to the platform (certificateSigningRequest event)');
        return { status: 'Accepted' };
      }

      const deviceId = session.device.id;
      if (issuing.has(deviceId)) return refused(session, messageId, req, 'CSR_IN_PROGRESS', 'a certificate signed for an earlier CSR is still on its way to the charger');
      let chain: string;
      let issued: Awaited<ReturnType<typeof issueCertificate>>;
      try {
        const ca = await authority!.current();
        issued = await issueCertificate(ca, csr, config.OCPP_CSR_VALIDITY_DAYS);
        chain = `${issued.pem.trim()}\n${ca.chainPem}`;
      } catch (err) {
        log.error({ chargePointId: identity, reason: (err as Error).message }, 'CSR not signed: the CA is not usable');
        return refused(session, messageId, req, 'CA_UNAVAILABLE', 'the CA cannot sign now');
      }
      // 2.x: certificateType (TC_A_11_CSMS via memory state RenewChargingStationCertificate); 2.1: the request's id.
      const payload: Record<string, unknown> = { certificateChain: chain };
      if (session.adapter.family === '2.x') payload['certificateType'] = 'ChargingStationCertificate';
      if (session.protocol === 'ocpp2.1' && req.requestId !== undefined) payload['requestId'] = req.requestId;
      const v = session.adapter.schemas.validateRequest('CertificateSigned', payload);
      if (!v.ok) return refused(session, messageId, req, 'CERTIFICATE_NOT_SENDABLE', `CertificateSigned would be invalid: ${v.error.message.slice(0, 160)}`);
      // Recorded before it leaves: a certificate nobody can list could not be revoked.
      const node = new X509Certificate(issued.pem);
      if (deps.register) {
        try {
          const row = await deps.register.recordCertificate({ serialNumber: node.serialNumber, deviceId, commonName: identity, fingerprint256: node.fingerprint256, notBefore: issued.notBefore.toISOString(), notAfter: issued.notAfter.toISOString() });
          if (!row) return refused(session, messageId, req, 'CA_UNAVAILABLE', 'the device is no longer in the registry');
        } catch (err) {
          log.error({ err, chargePointId: identity }, 'CSR not signed: the certificate register cannot record it');
          return refused(session, messageId, req, 'CA_UNAVAILABLE', 'the certificate register cannot record the certificate now');
        }
      }
      session.log.info({ serialNumber: issued.serialNumber, notBefore: issued.notBefore.toISOString(), notAfter: issued.notAfter.toISOString() }, 'certificate issued for the charger\'s CSR');
      issuing.add(deviceId);
      afterAnswer(() => {
        void send(session, { id: `certificate-signed-${randomUUID()}`, action: 'CertificateSigned', payload }, 'CertificateSigned not sent')
          .then((reply) => {
            if (!reply) return;
            const status = reply.status === 'ok' ? (reply.response as { status?: unknown } | null)?.status : undefined;
            // A02.FR.06/07: the charger checks the certificate and may refuse it (TC_A_14_CSMS).
            if (status === 'Accepted') session.log.info({ serialNumber: issued.serialNumber }, 'charger installed its new certificate');
            else if (reply.status === 'ok') session.log.warn({ serialNumber: issued.serialNumber, status }, 'charger refused its new certificate');
            if (reply.status === 'ok' && deps.register) {
              void deps.register.setCertificateAnswer(node.serialNumber, status === 'Accepted').catch((err: unknown) => session.log.warn({ err, serialNumber: node.serialNumber }, 'could not record the charger\'s answer to CertificateSigned'));
            }
          })
          .finally(() => issuing.delete(deviceId));
      });
      return { status: 'Accepted' };
    },

    connected(session, certificate) {
      if (mode === 'reject' || session.device.securityProfile !== 3 || !certificate?.verified || !certificate.validTo) return;
      const daysLeft = Math.floor((Date.parse(certificate.validTo) - Date.now()) / 86_400_000);
      if (daysLeft < CERT_EXPIRY_WARNING_DAYS) renewDue.add(session);
    },

    answered(session) {
      if (renewDue.size === 0 || !renewDue.has(session)) return;
      if (session.shadow.registration !== 'Accepted' || session.replaced) return;
      renewDue.delete(session);
      const cmd: Command =
        session.adapter.family === '2.x'
          ? { id: `renew-certificate-${randomUUID()}`, action: 'TriggerMessage', payload: { requestedMessage: 'SignChargingStationCertificate' } }
          : { id: `renew-certificate-${randomUUID()}`, action: 'ExtendedTriggerMessage', payload: { requestedMessage: 'SignChargePointCertificate' } };
      afterAnswer(() => {
        void send(session, cmd, 'certificate renewal not requested').then((reply) => {
          if (!reply) return;
          const status = reply.status === 'ok' ? (reply.response as { status?: unknown } | null)?.status : reply.error.code;
          if (status === 'Accepted') session.log.info({ action: cmd.action }, 'client certificate expires soon: the charger was asked for a new CSR');
          else session.log.warn({ action: cmd.action, status }, 'client certificate expires soon, and the charger did not accept to send a new CSR');
        });
      });
    },

    closed(session) {
      renewDue.delete(session);
    },
  };
}

/** The certificates this CA issues are of no use if the profile-3 handshake does not trust it. */
function trustCheck(config: Config, fingerprint256: string, log: Logger): void {
  const file = config.OCPP_TLS_CA_FILE;
  let trusted = false;
  try {
    trusted = file !== undefined && pemCertificates(readFileSync(file, 'utf8')).some((c) => c.fingerprint256 === fingerprint256);
  } catch {
    trusted = false;
  }
  if (!trusted) log.warn({ fingerprint256 }, 'the CSR signing CA is not in OCPP_TLS_CA_FILE: chargers will be refused with the certificates it signs (add it there)');
}

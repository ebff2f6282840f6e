/**
 * The register of the client certificates the gateway's CA signed for a device
 * (contracts/certificates.ts; OCPP_CSR_MODE=sign, gateway/certificates/service.ts) and their
 * revocation: GET /devices/{id}/certificates, POST /devices/{id}/certificates/{serial}/revoke.
 * A revoked certificate is refused at the handshake from then on (CLIENT_CERT_REVOKED,
 * gateway/security-profile.ts); the whitepaper's answer to a compromised charger key is a CRL or
 * OCSP (A00.FR.* do not require either of a Central System), which this register stands in for
 * on the gateway's own handshakes.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../common/errors.ts';
import { requireWrite } from '../../common/http/auth.ts';
import type { IssuedCertificate } from '../../contracts/certificates.ts';
import type { Device } from '../../contracts/registry.ts';
import type { RegistryStore } from '../store/types.ts';

const certificate = z.object({
  serialNumber: z.string(),
  commonName: z.string(),
  fingerprint256: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  status: z.enum(['issued', 'installed', 'rejected', 'revoked']),
  /** notAfter has passed (whatever the status). */
  expired: z.boolean(),
  issuedAt: z.string(),
  updatedAt: z.string(),
  revokedAt: z.string().nullable(),
  revocationReason: z.string().nullable(),
});

const view = (c: IssuedCertificate) => {
  const { deviceId: _deviceId, ...rest } = c;
  return { ...rest, expired: Date.parse(c.notAfter) <= Date.now() };
};

export function certificateRoutes(deps: { store: RegistryStore; event(device: Device, payload: object): void }) {
  const { store } = deps;
  return async function register(app: FastifyInstance) {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const device = async (id: string, tenant: string) => {
      const d = await store.getDevice(id);
      if (!d || d.tenant !== tenant) throw new AppError('NOT_FOUND', `device ${id} not found`);
      return d;
    };

    r.get('/devices/:id/certificates', { schema: { tags: ['devices'], params: z.object({ id: z.string() }), response: { 200: z.object({ items: z.array(certificate) }) } } }, async (req) => {
      const d = await device(req.params.id, req.caller.tenant);
      return { items: (await store.listCertificates(d.id)).map(view) };
    });

    r.post(
      '/devices/:id/certificates/:serial/revoke',
      { schema: { tags: ['devices'], params: z.object({ id: z.string(), serial: z.string().regex(/^[0-9A-Fa-f]{1,64}$/, 'a hexadecimal serial number') }), body: z.object({ reason: z.string().min(1).max(200).optional() }).strict().default({}), response: { 200: certificate } } },
      async (req) => {
        requireWrite(req.caller);
        const d = await device(req.params.id, req.caller.tenant);
        const serial = req.params.serial.toUpperCase();
        const before = (await store.listCertificates(d.id)).find((c) => c.serialNumber === serial);
        const c = await store.revokeCertificate(d.id, serial, req.body.reason ?? null);
        if (!c) throw new AppError('NOT_FOUND', `device ${d.id} has no certificate ${serial} signed by this gateway`);
        if (before && before.status !== 'revoked') {
          req.log.warn({ deviceId: d.id, chargePointId: d.chargePointId, serialNumber: serial, reason: c.revocationReason }, 'client certificate revoked');
          deps.event(d, { type: 'certificateRevoked', serialNumber: serial, fingerprint256: c.fingerprint256, reason: c.revocationReason, ts: new Date().toISOString() });
        }
        return view(c);
      },
    );
  };
}

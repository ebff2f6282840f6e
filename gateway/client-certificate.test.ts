/**
 * Path validation of a certificate forwarded by a trusted proxy (A00.FR.403: RFC 5280 §6),
 * over real certificates made with openssl (test/pki.ts).
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki, type Pki, type TestCa } from '../test/pki.ts';
import { subjectField, verifyChain } from './client-certificate.ts';

let pki: Pki;
let root: TestCa;
let sub: TestCa;
let rogue: TestCa;
const x = (pem: string) => new X509Certificate(pem);

beforeAll(() => {
  pki = createPki();
  root = pki.ca('root');
  sub = root.intermediate('sub');
  rogue = pki.ca('rogue');
});
afterAll(() => pki?.cleanup());

describe('verifyChain', () => {
  it('accepts a leaf of the root, and a leaf of an intermediate when both are anchors', () => {
    expect(verifyChain(x(root.client('CP-1').certPem), [x(root.certPem)])).toBeNull();
    expect(verifyChain(x(sub.client('CP-2').certPem), [x(root.certPem), x(sub.certPem)])).toBeNull();
  });

  it.each([
    ['no CA configured', () => [x(root.client('A').certPem), []] as const, 'NO_CA_CONFIGURED'],
    ['another CA', () => [x(rogue.client('A').certPem), [x(root.certPem)]] as const, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
    ['an intermediate whose root is missing', () => [x(sub.client('A').certPem), [x(sub.certPem)]] as const, 'UNABLE_TO_GET_ISSUER_CERT'],
    ['an expired leaf', () => [x(root.client('A', { days: -1 }).certPem), [x(root.certPem)]] as const, 'CERT_HAS_EXPIRED'],
    ['a CA certificate as the leaf', () => [x(sub.certPem), [x(root.certPem)]] as const, 'INVALID_PURPOSE'],
    ['a server-only certificate', () => [x(root.server().certPem), [x(root.certPem)]] as const, 'INVALID_PURPOSE'],
    ['a leaf "issued" by a non-CA certificate', () => {
      const notCa = root.client('not-a-ca');
      return [x(root.client('A').certPem), [x(notCa.certPem)]] as const;
    }, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  ])('refuses %s', (_name, make, code) => {
    const [leaf, anchors] = make();
    expect(verifyChain(leaf, anchors)).toBe(code);
  });

  it('refuses a leaf after its validity, whatever the clock says elsewhere', () => {
    const leaf = x(root.client('A').certPem);
    expect(verifyChain(leaf, [x(root.certPem)], new Date(Date.parse(leaf.validTo) + 1000))).toBe('CERT_HAS_EXPIRED');
    expect(verifyChain(leaf, [x(root.certPem)], new Date(Date.parse(leaf.validFrom) - 1000))).toBe('CERT_NOT_YET_VALID');
  });
});

describe('subjectField', () => {
  it.each([
    ['O=ACME\nCN=CP-1', 'CN', 'CP-1'],
    ['O=ACME\nCN=CP-1', 'O', 'ACME'],
    ['CN=CP-1\nCN=CP-2', 'CN', null],
    ['O=ACME', 'CN', null],
    // Node quotes a value with special characters: a CN cannot smuggle a second CN line.
    ['CN="CP-1\\nCN=CP-2"', 'CN', 'CP-1\nCN=CP-2'],
  ])('%j %s → %j', (subject, key, value) => {
    expect(subjectField(subject, key)).toBe(value);
  });

  it('reads the CN of a real certificate', () => {
    expect(subjectField(x(root.client('CP Ünï 1').certPem).subject, 'CN')).toBe('CP Ünï 1');
  });
});

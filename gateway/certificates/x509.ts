/**
 * @peculiar/x509 (docs/dependencies.md: node:crypto parses certificates but can neither read a
 * PKCS #10 request nor sign a certificate), loaded on first use: a gateway that never sees a CSR
 * never loads it. It needs a Reflect metadata polyfill (its dependency injection, tsyringe),
 * loaded first, and Node's WebCrypto as its provider.
 */
import { webcrypto } from 'node:crypto';

export type X509 = typeof import('@peculiar/x509');

let loading: Promise<X509> | undefined;

export function x509(): Promise<X509> {
  loading ??= (async () => {
    await import('reflect-metadata');
    const lib = await import('@peculiar/x509');
    lib.cryptoProvider.set(webcrypto as unknown as Crypto);
    return lib;
  })();
  return loading;
}

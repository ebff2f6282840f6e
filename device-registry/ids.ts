import { randomBytes } from 'node:crypto';

/** Device ids: 8 lowercase hex characters, safe in MQTT topics (Dojot uses short hex ids). */
export function newDeviceId(): string {
  return randomBytes(4).toString('hex');
}

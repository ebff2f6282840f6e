/**
 * The two ways an alert reaches a person: a webhook (HTTP POST, signed) and an e-mail (SMTP,
 * nodemailer). Each `send` resolves when the receiver took the message and rejects with a
 * DeliveryError (stable code) otherwise; the delivery queue retries.
 */
import nodemailer from 'nodemailer';
import type { AlertTarget } from '../contracts/alerts.ts';
import { emailMessage, signature } from './payloads.ts';

export type DeliveryErrorCode = 'HTTP_STATUS' | 'NETWORK' | 'TIMEOUT' | 'SMTP' | 'SMTP_NOT_CONFIGURED' | 'TARGET_GONE' | 'QUEUE_FULL';

export class DeliveryError extends Error {
  readonly code: DeliveryErrorCode;
  constructor(code: DeliveryErrorCode, message: string) {
    super(message);
    this.name = 'DeliveryError';
    this.code = code;
  }
}

export interface Outgoing {
  deliveryId: string;
  event: string;
  body: string;
}

export type Sender = (target: AlertTarget, out: Outgoing) => Promise<void>;

export function webhookSender(opts: { timeoutMs: number }): Sender {
  return async (target, out) => {
    if (target.type !== 'webhook') throw new DeliveryError('TARGET_GONE', 'not a webhook target');
    let res: Response;
    try {
      res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'chargebridge-alerts',
          'x-chargebridge-event': out.event,
          'x-chargebridge-delivery': out.deliveryId,
          'x-chargebridge-signature-256': signature(target.secret, out.body),
        },
        body: out.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') throw new DeliveryError('TIMEOUT', `no answer within ${opts.timeoutMs} ms`);
      throw new DeliveryError('NETWORK', `${e.cause?.code ?? e.name}: ${e.message}`);
    }
    // The body is not needed; reading it frees the connection.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw new DeliveryError('HTTP_STATUS', `HTTP ${res.status}`);
  };
}

export interface EmailSender {
  send: Sender;
  close(): void;
}

export function emailSender(opts: { url: string | undefined; from: string; timeoutMs: number }): EmailSender {
  const transport = opts.url ? nodemailer.createTransport(opts.url, { from: opts.from }) : null;
  // nodemailer's own timeouts (connection, greeting, socket) bound one attempt.
  if (transport) Object.assign(transport.options, { connectionTimeout: opts.timeoutMs, greetingTimeout: opts.timeoutMs, socketTimeout: opts.timeoutMs });
  return {
    async send(target, out) {
      if (target.type !== 'email') throw new DeliveryError('TARGET_GONE', 'not an e-mail target');
      if (!transport) throw new DeliveryError('SMTP_NOT_CONFIGURED', 'SMTP_URL is not set');
      const { subject, text } = emailMessage(out.body);
      try {
        await transport.sendMail({ from: opts.from, to: target.to, subject, text, headers: { 'X-Chargebridge-Delivery': out.deliveryId, 'X-Chargebridge-Event': out.event } });
      } catch (err) {
        throw new DeliveryError('SMTP', (err as Error).message);
      }
    },
    close: () => transport?.close(),
  };
}

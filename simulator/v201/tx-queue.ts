/**
 * A station's transaction-related messages (TransactionEvent): sent in order, one at a time,
 * each kept until the CSMS answered it. One made while offline waits for the next connection
 * and goes out with `offline: true` (2.0.1 E04: transaction-related messages are queued while
 * offline and delivered in order). A CALLERROR drops the message: resending it would get the
 * same answer.
 */
import type { IdTokenInfo, TransactionEventRequest } from './types.ts';

export type TxAnswer = { idTokenInfo?: IdTokenInfo } | undefined;

export interface TxQueuePort {
  /** Online, boot accepted, not stopped: messages may go out. */
  ready(): boolean;
  online(): boolean;
  send(params: TransactionEventRequest): Promise<TxAnswer>;
  /** A message was answered (the station counts its samples). */
  answered(params: TransactionEventRequest): void;
  fail(err: unknown): void;
}

export class TxQueue {
  private readonly port: TxQueuePort;
  private readonly queue: Array<{ params: TransactionEventRequest; done: (r: TxAnswer) => void }> = [];
  private flushing = false;

  constructor(port: TxQueuePort) {
    this.port = port;
  }

  /** Queues a message; resolves with the CSMS's answer once delivered (undefined after a CALLERROR). */
  push(params: TransactionEventRequest): Promise<TxAnswer> {
    if (!this.port.online()) params.offline = true;
    return new Promise((done) => {
      this.queue.push({ params, done });
      void this.flush();
    });
  }

  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.port.ready() && this.queue.length) {
        const m = this.queue[0]!;
        let answer: TxAnswer;
        try {
          answer = await this.port.send(m.params);
          this.port.answered(m.params);
        } catch (err) {
          this.port.fail(err);
          // Offline: kept for the next connection.
          if (!this.port.online()) return;
        }
        this.queue.shift();
        m.done(answer);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** E14 GetTransactionStatus: whether messages of this transaction (or of any) wait. */
  has(transactionId?: string): boolean {
    return this.queue.some((m) => transactionId === undefined || m.params.transactionInfo.transactionId === transactionId);
  }
}

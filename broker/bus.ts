/**
 * The port every role publishes and subscribes through. Two implementations: the embedded
 * aedes broker in the same process (no socket on the hot path) and an MQTT.js client for an
 * external broker (MQTT_URL: Mosquitto, EMQX) when roles run as separate processes.
 */
export interface PublishOptions {
  qos: 0 | 1;
  retain?: boolean | undefined;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

export interface Bus {
  /**
   * Fire and forget from the caller's point of view: the bus tracks the publish until the
   * broker has it (QoS 1 PUBACK for the client bus) and `flush()`/`close()` wait for it.
   */
  publish(topic: string, payload: string | Buffer, opts: PublishOptions): void;
  /** Same as publish, for callers that must know the broker has the message. */
  publishAsync(topic: string, payload: string | Buffer, opts: PublishOptions): Promise<void>;
  /**
   * Same again, answered by callback (once, with the error if the broker did not take it):
   * where a bus has it, the cheapest form for a caller that counts many publishes itself (the
   * port bus's batches: a promise per publish was a tenth of the broker thread's allocations).
   */
  publishWithCallback?(topic: string, payload: string | Buffer, opts: PublishOptions, cb: (err?: Error) => void): void;
  subscribe(filter: string, handler: MessageHandler, opts?: { qos: 0 | 1 }): Promise<void>;
  /** Waits until every publish issued so far has been accepted by the broker. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Publishes not yet acknowledged; a gauge for metrics and backpressure. */
  readonly pending: number;
}

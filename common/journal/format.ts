/**
 * The journal's on-disk format: segment files of records, each
 *
 *   u32 LE  body length
 *   u32 LE  CRC-32 of the body (zlib's, the one of gzip and PNG)
 *   body:   u16 LE topic length, topic (UTF-8), payload (the MQTT payload as published)
 *
 * A crash or power cut can leave the last record of the last segment torn: its length runs past
 * the end of the file or its CRC does not match. Reading stops there, and the writer truncates
 * the file to the last whole record when it opens it again. Pure functions over buffers.
 */
import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 10; // length, CRC, topic length
/** A record no larger than this is ever written; a longer length field means corruption. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Bytes `encodeInto` will use for this record. */
export function recordBytes(topic: string, payload: string | Buffer): number {
  return HEADER_BYTES + Buffer.byteLength(topic) + (typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length);
}

/** Writes one record at `offset` (which must have recordBytes() free) and returns its end. */
export function encodeInto(buf: Buffer, offset: number, topic: string, payload: string | Buffer): number {
  const t = buf.write(topic, offset + HEADER_BYTES, 'utf8');
  const p = typeof payload === 'string' ? buf.write(payload, offset + HEADER_BYTES + t, 'utf8') : payload.copy(buf, offset + HEADER_BYTES + t);
  const bodyLength = 2 + t + p;
  buf.writeUInt32LE(bodyLength, offset);
  buf.writeUInt16LE(t, offset + 8);
  buf.writeUInt32LE(crc32(buf.subarray(offset + 8, offset + 8 + bodyLength)), offset + 4);
  return offset + 8 + bodyLength;
}

export interface DecodedRecord {
  topic: string;
  payload: Buffer;
  /** Offset just after the record within the buffer. */
  end: number;
}

export type Decoded = DecodedRecord | 'incomplete' | 'corrupt';

/**
 * The record starting at `offset` of `buf`: 'incomplete' when `buf` ends before it does (read
 * more, or it is a torn tail), 'corrupt' when its length is impossible or its CRC is wrong.
 */
export function decodeAt(buf: Buffer, offset: number): Decoded {
  if (buf.length - offset < 8) return 'incomplete';
  const bodyLength = buf.readUInt32LE(offset);
  if (bodyLength < 2 || bodyLength > MAX_RECORD_BYTES) return 'corrupt';
  const end = offset + 8 + bodyLength;
  if (end > buf.length) return 'incomplete';
  const body = buf.subarray(offset + 8, end);
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return 'corrupt';
  const topicLength = body.readUInt16LE(0);
  if (2 + topicLength > bodyLength) return 'corrupt';
  return { topic: body.toString('utf8', 2, 2 + topicLength), payload: body.subarray(2 + topicLength), end };
}

/** Position of a byte in the journal: segment number and offset, as one comparable number. */
export const position = (segment: number, offset: number): number => segment * 2 ** 32 + offset;
export const segmentOf = (pos: number): number => Math.floor(pos / 2 ** 32);
export const offsetOf = (pos: number): number => pos % 2 ** 32;

export const segmentName = (segment: number): string => `${String(segment).padStart(10, '0')}.log`;
export const SEGMENT_RE = /^(\d{10})\.log$/;

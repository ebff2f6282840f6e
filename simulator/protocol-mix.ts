/**
 * Which OCPP version each simulated charger speaks: `--protocols 1.6=0.5,2.0.1=0.3,2.1=0.2`
 * (`chargebridge simulate`, `npm run bench`). Pure, tested in protocol-mix.test.ts.
 *
 * Charger i's version is a function of i alone (protocolAt), so the same identity speaks the same
 * version across runs and simulator processes, and the first N chargers hold each version in
 * its share, whatever N.
 */
import type { OcppProtocol } from '../ocpp/protocols.ts';

export type ProtocolMix = ReadonlyArray<{ protocol: OcppProtocol; share: number }>;

/** The default: every charger on 1.6, as before there was a choice. */
export const ALL_16: ProtocolMix = Object.freeze([{ protocol: 'ocpp1.6', share: 1 }]);

const NAMES: Readonly<Record<string, OcppProtocol>> = { '1.6': 'ocpp1.6', '1.6j': 'ocpp1.6', '2.0.1': 'ocpp2.0.1', '2.1': 'ocpp2.1' };

/**
 * `version=share,...` (version 1.6, 2.0.1 or 2.1, with or without the `ocpp` prefix; shares
 * between 0 and 1 adding up to 1), or a single version for all. Throws an Error naming what is
 * wrong.
 */
export function parseProtocolMix(text: string): ProtocolMix {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) throw new Error('expected version=share pairs, e.g. 1.6=0.5,2.0.1=0.3,2.1=0.2');
  const out: Array<{ protocol: OcppProtocol; share: number }> = [];
  for (const part of parts) {
    const m = /^(?:ocpp)?([\d.]+j?)\s*(?:=\s*(.+))?$/i.exec(part);
    const protocol = m ? NAMES[m[1]!.toLowerCase()] : undefined;
    if (!m || !protocol) throw new Error(`unknown OCPP version in "${part}" (1.6, 2.0.1 or 2.1)`);
    if (m[2] === undefined && parts.length > 1) throw new Error(`"${part}" needs a share (${m[1]}=0.5) when several versions are mixed`);
    const share = m[2] === undefined ? 1 : Number(m[2]);
    if (!Number.isFinite(share) || share < 0 || share > 1) throw new Error(`share of ${m[1]} must be between 0 and 1 (got "${m[2]}")`);
    if (out.some((x) => x.protocol === protocol)) throw new Error(`${m[1]} is given twice`);
    out.push({ protocol, share });
  }
  const sum = out.reduce((a, x) => a + x.share, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new Error(`shares add up to ${Math.round(sum * 1e6) / 1e6}, not 1`);
  return out;
}

export function formatProtocolMix(mix: ProtocolMix): string {
  return mix.map((x) => `${x.protocol.replace(/^ocpp/, '')}=${x.share}`).join(',');
}

const sequences = new Map<string, OcppProtocol[]>();

/**
 * The version charger `index` speaks: a smooth weighted round robin over the mix (each next
 * charger gets the version furthest behind its share), so every prefix of the fleet holds each
 * version within one charger of its share (10 chargers at 1.6=0.5,2.0.1=0.3,2.1=0.2: 5, 3, 2).
 * Computed once per mix up to the highest index asked for.
 */
export function protocolAt(mix: ProtocolMix, index: number): OcppProtocol {
  const key = formatProtocolMix(mix);
  let seq = sequences.get(key);
  if (!seq) sequences.set(key, (seq = []));
  if (seq.length <= index) {
    const counts = mix.map((x) => seq!.filter((p) => p === x.protocol).length);
    for (let i = seq.length; i <= index; i++) {
      let best = 0;
      for (let k = 1; k < mix.length; k++) if ((i + 1) * mix[k]!.share - counts[k]! > (i + 1) * mix[best]!.share - counts[best]! + 1e-9) best = k;
      counts[best]!++;
      seq.push(mix[best]!.protocol);
    }
  }
  return seq[index]!;
}

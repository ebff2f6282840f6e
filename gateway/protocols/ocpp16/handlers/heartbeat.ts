import type { Handler } from './types.ts';

// OCPP 1.6 §4.6. lastSeen goes into the retained shadow so platforms see the charger alive.
export const heartbeat: Handler<'Heartbeat'> = (ctx) => {
  const now = new Date().toISOString();
  ctx.session.update({ type: 'seen', at: now });
  return { currentTime: now };
};

/**
 * The text of a CALL's payload, cut from the frame as received: `[2, "id", "Action", {payload}]`
 * (OCPP-J 1.6 §4.2.1). The gateway publishes every exchange with its request (interface.md,
 * `events`); a MeterValues request is the bulk of the frame, and cutting it out costs a scan of
 * the few characters before it where serializing the parsed object again costs a full pass.
 *
 * Only call this on text that JSON.parse accepted as an array of exactly four elements whose
 * first is a number and second and third are strings: then the fourth element is everything
 * between the third top-level comma and the closing bracket, and it is valid JSON.
 */
export function callPayloadText(text: string): string {
  let i = text.indexOf(',') + 1; // after the message type (a number: no comma inside)
  for (let k = 0; k < 2; k++) {
    i = text.indexOf('"', i) + 1; // opening quote of the id, then of the action
    for (let c = text.charCodeAt(i); c !== 34 /* " */; c = text.charCodeAt(++i)) {
      if (c === 92 /* \ */) i++; // an escape: the next character cannot close the string
    }
    i = text.indexOf(',', i + 1) + 1;
  }
  return text.slice(i, text.lastIndexOf(']')).trim();
}

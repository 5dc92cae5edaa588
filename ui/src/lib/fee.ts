// Pure logic of the Fee policy screen (tested in fee.test.ts). The rules for what a valid fee
// is live on the Rust side (fleet-core's FeePolicy::parse_percent); this only words things.

/** Basis points as the percent text the form shows: 250 → "2.5", 75 → "0.75", 0 → "0". */
export function percentText(bps: number): string {
  const whole = Math.floor(bps / 100);
  const frac = String(bps % 100).padStart(2, "0").replace(/0+$/, "");
  return frac === "" ? String(whole) : `${whole}.${frac}`;
}

/** A field of the fee document in words. */
export function fieldLabel(field: string): string {
  switch (field) {
    case "super_fee_bps":
      return "Super fee";
    case "fixed_fee_sats":
      return "Fixed fee";
    case "v":
      return "Format version";
    default:
      return field;
  }
}

/** A field's JSON value in the units people read: "2.5 %", "500 sats", "—" when absent. */
export function fieldValue(field: string, json: string | null): string {
  if (json === null) return "—";
  const n = Number(json);
  if (!Number.isInteger(n)) return json;
  switch (field) {
    case "super_fee_bps":
      return `${percentText(n)} %`;
    case "fixed_fee_sats":
      return `${n.toLocaleString("en-US")} sats`;
    default:
      return json;
  }
}

/**
 * Who signed the published event, as read from the verified event: "npub… (operator key,
 * verified)" only when it is the operator key.
 */
export function signerText(signer: string | null, operator: string | null): string {
  if (signer === null) return "not verifiable: the stored event does not check out";
  if (signer === operator) return `${signer} (operator key, verified)`;
  return `${signer} (verified, but NOT the operator key${operator ? ` ${operator}` : ""})`;
}

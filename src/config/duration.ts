const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `300`, `300s`, `5m`, `12h` or `90d` into whole seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^([0-9]{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
}

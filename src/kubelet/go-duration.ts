/**
 * Whole seconds as Go's time.Duration prints them (`0s`, `45s`, `5m0s`, `1h0m0s`): the form of a
 * metav1.Duration such as the credential provider response's `cacheDuration`.
 */
export function goDuration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

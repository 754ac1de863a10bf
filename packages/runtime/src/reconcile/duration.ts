/**
 * Durations as Flux's API writes them (Go's time.ParseDuration): `10s`, `1m30s`, `1h`, `1.5h`,
 * `500ms`, `0`. Results are in milliseconds, the unit timers use.
 */

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export class DurationError extends Error {
  override name = 'DurationError';
  readonly input: string;
  constructor(input: string, why: string) {
    super(`invalid duration "${input}": ${why} (use Go duration syntax, e.g. "30s", "1m30s", "1h")`);
    this.input = input;
  }
}

const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a Go duration into milliseconds. Negative durations are refused. */
export function parseDuration(input: string): number {
  const text = input.trim();
  if (text === '') throw new DurationError(input, 'empty');
  if (text === '0') return 0;
  if (text.startsWith('-')) throw new DurationError(input, 'negative durations are not allowed');
  const rest = text.startsWith('+') ? text.slice(1) : text;
  if (rest === '0') return 0;
  let total = 0;
  let position = 0;
  while (position < rest.length) {
    part.lastIndex = position;
    const match = part.exec(rest);
    if (!match) {
      if (/^\d+(\.\d*)?$/.test(rest.slice(position))) throw new DurationError(input, 'missing unit');
      throw new DurationError(input, `unexpected "${rest.slice(position)}"`);
    }
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
    position = part.lastIndex;
  }
  if (!Number.isFinite(total)) throw new DurationError(input, 'out of range');
  return total;
}

/** Formats milliseconds as a Go-style duration (`1h2m3s`, `1.5s`, `250ms`), for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${Number(rest.toFixed(3))}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Number((rest / 1000).toFixed(3));
  let out = sign;
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return `${out}${seconds}s`;
}

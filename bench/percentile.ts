// The one quantile the benchmarks print: the value at quantile `q` of values sorted ascending (0 when none).
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

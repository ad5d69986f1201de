// Reads the Prometheus text format with a parser of its own (parse-prometheus-text-format), not with
// prom-client, which writes it: a test then checks what a Prometheus server would read. That parser folds
// a histogram's labelled series into one and loses their labels, so histograms are read from the registry
// (`histogramCount`).
import type { Registry } from 'prom-client';
// @ts-expect-error the package ships no types; its one export is declared below.
import parseUntyped from 'parse-prometheus-text-format';

interface Sample {
  value?: string;
  count?: string;
  sum?: string;
  labels?: Record<string, string>;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}
const parse = parseUntyped as (text: string) => Family[];

export interface Scrape {
  /** Names of the families in the answer. */
  names: string[];
  /** Sum of a counter's or gauge's samples whose labels include `labels` (0 when none). */
  value(name: string, labels?: Record<string, string>): number;
}

/** Observations of a histogram in prom-client's registry whose labels include `labels`. */
export async function histogramCount(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = (await metric.get()) as { values: { metricName?: string; labels: Record<string, string | number>; value: number }[] };
  return values
    .filter((sample) => sample.metricName === `${name}_count` && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

export function readPrometheusText(text: string): Scrape {
  const families = parse(text);
  const samples = (name: string, labels: Record<string, string>) =>
    (families.find((family) => family.name === name)?.metrics ?? []).filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  return {
    names: families.map((family) => family.name),
    value: (name, labels = {}) => samples(name, labels).reduce((sum, sample) => sum + Number(sample.value), 0),
  };
}

/** One line of the Prometheus text exposition format: a metric sample. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  samples: Sample[];
  /** Metric family name → its `# TYPE` (counter, gauge, histogram, ...). */
  types: Map<string, string>;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

function unescapeLabelValue(raw: string): string {
  return raw.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

function parseLabels(raw: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL_PAIR.lastIndex = 0;
  while (LABEL_PAIR.lastIndex < raw.length) {
    const match = LABEL_PAIR.exec(raw);
    if (!match) throw new Error(`bad labels in metrics line: ${line}`);
    labels[match[1]!] = unescapeLabelValue(match[2]!);
  }
  return labels;
}

/** As Prometheus reads values (Go's ParseFloat): NaN and Inf in any case; prom-client writes "Nan". */
function parseValue(raw: string, line: string): number {
  if (/^[+-]?inf$/i.test(raw)) return raw.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  const value = Number(raw);
  if (raw === '' || Number.isNaN(value)) throw new Error(`bad value in metrics line: ${line}`);
  return value;
}

/** Parses a /metrics body; throws on any line that is not valid exposition format. */
export function parseMetrics(text: string): ParsedMetrics {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      else if (!/^# HELP \S+/.test(line)) throw new Error(`bad comment in metrics: ${line}`);
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a metrics sample line: ${line}`);
    samples.push({
      name: match[1]!,
      labels: match[2] ? parseLabels(match[2], line) : {},
      value: parseValue(match[3]!, line),
    });
  }
  return { samples, types };
}

/** The samples of `name` whose labels include every one of `labels`. */
export function samplesOf(
  metrics: ParsedMetrics,
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  return metrics.samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
}

/** The sum of the matching samples' values; 0 when there are none (a series not yet created). */
export function valueOf(
  metrics: ParsedMetrics,
  name: string,
  labels: Record<string, string> = {},
): number {
  return samplesOf(metrics, name, labels).reduce((sum, sample) => sum + sample.value, 0);
}

import { env } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { renderExposition } from "../../core/metrics";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import {
  collectFamilies,
  METRICS_SOURCES,
  type MetricsSource,
} from "../../workers/visibility/sources";
import { sample } from "./scrape";

/** The real sources, with `name` unreachable. */
const withDown = (name: string): MetricsSource[] =>
  METRICS_SOURCES.map((source) =>
    source.name === name
      ? {
          ...source,
          read: async () => {
            throw new Error(`${name} is unreachable`);
          },
        }
      : source,
  );

const parsed = async (sources: readonly MetricsSource[]) =>
  parsePrometheusTextFormat(renderExposition(await collectFamilies(env, sources), "prometheus"));

describe("/metrics sources", () => {
  it("say in every scrape that they answered (bulwark_scrape_source_success 1 each)", async () => {
    const families = await parsed(METRICS_SOURCES);
    for (const source of METRICS_SOURCES) {
      expect(sample(families, FAMILIES.scrapeSourceSuccess.name, { source: source.name })).toBe(1);
    }
  });

  it("keep every family of the contract in a scrape whose optional source failed: its families without samples, its success 0", async () => {
    for (const down of ["alarms", "supervision"]) {
      const families = await parsed(withDown(down));
      for (const spec of Object.values(FAMILIES)) {
        expect(
          families.find((f) => f.name === spec.name),
          `${down}: ${spec.name}`,
        ).toBeDefined();
      }
      const source = METRICS_SOURCES.find((s) => s.name === down) as MetricsSource;
      for (const spec of source.families) {
        // Absent values rather than guessed ones: the family is there, with no sample.
        expect(families.find((f) => f.name === spec.name)?.metrics, spec.name).toEqual([]);
      }
      for (const other of METRICS_SOURCES) {
        const success = sample(families, FAMILIES.scrapeSourceSuccess.name, { source: other.name });
        expect(success, `${down} down: ${other.name}`).toBe(other.name === down ? 0 : 1);
      }
    }
    // The other sources' values are still read: the services are up.
    const families = await parsed(withDown("alarms"));
    expect(sample(families, FAMILIES.serviceUp.name, { service: "inventory" })).toBe(1);
  });

  it("render a failed source's empty families as OpenMetrics too (a family may have no metrics), ending with # EOF", async () => {
    const text = renderExposition(await collectFamilies(env, withDown("alarms")), "openmetrics");
    const lines = text.trimEnd().split("\n");
    const at = lines.indexOf("# TYPE bulwark_alarms_active gauge");
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toMatch(/^# HELP bulwark_alarms_active /);
    expect(lines[at + 1]).toMatch(/^# HELP bulwark_notifications /); // no sample between
    expect(lines.at(-1)).toBe("# EOF");
  });

  it("fail the scrape when the required source (the monitors) fails: a part is not the sum", async () => {
    await expect(collectFamilies(env, withDown("monitor"))).rejects.toThrow(
      "monitor is unreachable",
    );
  });
});

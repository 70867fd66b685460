/**
 * Figures of a scenario run, written as JSON to TQW_RELIABILITY_FIGURES_DIR when it is set (the soak
 * runner sets it and renders docs/reliability.md from the files). Without it, nothing is written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODE } from './mode';

export interface ScenarioFigures {
  scenario: string;
  title: string;
  mode: string;
  seed: number;
  seconds: number;
  /** What the scenario proved, one line each, with its numbers. */
  proved: string[];
  [figure: string]: unknown;
}

export function writeFigures(figures: Omit<ScenarioFigures, 'mode'>): void {
  const dir = process.env.TQW_RELIABILITY_FIGURES_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${figures.scenario}.json`), JSON.stringify({ ...figures, mode: MODE }, null, 2));
}

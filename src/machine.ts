// One machine's /proc files parsed by the core into a node record and read back as the
// `beostat --json` object: what `beostat --proc-root`, the golden tests and the benchmark use.

import { parseMessage } from "./errors";
import type { ProcFiles } from "./proc";
import { NodeStatus, RecordReader } from "./record";
import { Core, ParseOutcome, SECTION_NAMES, SectionName } from "./wasm";

export interface ParsedMachine {
  status: NodeStatus;
  /** per file parsed: the core's outcome */
  outcomes: Partial<Record<SectionName, ParseOutcome>>;
  /** one line per file that did not parse cleanly, naming file, line and reason */
  warnings: string[];
}

/**
 * Parses files into node's record of core's table (replacing the sections given), and
 * returns the record as read back from the table. sampleMs stamps each section's sample.
 */
export function parseMachine(core: Core, files: ProcFiles, node = -1, sampleMs = 0): ParsedMachine {
  const outcomes: ParsedMachine["outcomes"] = {};
  const warnings: string[] = [];
  const parsed: SectionName[] = [];
  for (const section of SECTION_NAMES) {
    const text = files[section];
    if (!text) continue;
    const outcome = core.parse(section, text);
    outcomes[section] = outcome;
    if (outcome.status !== 0) warnings.push(parseMessage(section, text, outcome, core.layout));
    core.setSampleTime(section, sampleMs);
    parsed.push(section);
  }
  // one commit for all sections, so a reader sees the machine's files together
  const status = core.commit(node, parsed);
  if (status !== 0) throw new Error(`node ${node}: commit failed (status ${status})`);
  const reader = new RecordReader(core.layout, core.memory());
  const table = core.tableBase();
  return { status: reader.node(table, table + core.tableRecord(node)), outcomes, warnings };
}

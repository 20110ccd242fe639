// Renders a program's manual page in roff (man macros) from its Program spec, the source of
// its --help, and the prose of man/src/pages.ts: NAME, SYNOPSIS and OPTIONS come from the
// spec, so the page and --help cannot disagree. The output is plain ASCII and stable (no
// date), so that a test can regenerate it and compare it with the committed page.

import type { OptionSpec, Program } from "../../src/args";

/**
 * The prose of one page. Text uses a small markup: `code` for command-line words (options
 * bold, UPPERCASE words italic as placeholders, other words bold), *text* in italics (file
 * names), a paragraph starting with "- " is a bullet item, one starting with four spaces an
 * example printed as is.
 */
export interface PageText {
  section: 1 | 8;
  /** the NAME line after "program \-" */
  summary: string;
  description: string[];
  /** more on an option, after its help text, by its long name (every key must be an option) */
  details?: Record<string, string>;
  files: Array<[path: string, what: string]>;
  signals?: Array<[signal: string, what: string]>;
  exitStatus: Array<[status: string, what: string]>;
  seeAlso: string[];
}

const SECTION_TITLE = { 1: "User Commands", 8: "System Administration" } as const;

/** Characters outside ASCII that the prose may use, as roff escapes (groff reads ASCII without preconv). */
const SPECIAL: Record<string, string> = { "→": "\\(->", "–": "\\(en", "—": "\\(em", "×": "\\(mu", "≥": "\\(>=", "≤": "\\(<=" };

/** Escapes plain text for roff; throws on characters it cannot spell portably. */
function escape(text: string): string {
  let out = "";
  for (const ch of text.replace(/\\/g, "\\e")) {
    if (ch.charCodeAt(0) < 0x80) out += ch;
    else if (SPECIAL[ch]) out += SPECIAL[ch];
    else throw new Error(`man: no roff spelling for '${ch}' in: ${text}`);
  }
  return out;
}

/** A command-line word: options bold, UPPERCASE placeholders italic, the rest bold; every '-' a minus. */
function code(text: string): string {
  // brackets, bars, "=", "+", "..." and the like stay roman, the words between them are
  // styled; a word may hold dots and colons inside ("10.0.0.1", "host:3040")
  return text.replace(/[^\s[\]|=(),;:.+]+(?:[.:][^\s[\]|=(),;:.+]+)*/g, (part) => {
    const minus = (s: string): string => escape(s).replace(/-/g, "\\-");
    const placeholder = /^(-?)([A-Z][A-Z0-9_]*)$/.exec(part);
    // "IF", "N", "FIRST" and the "-LAST" of "FIRST[-LAST]"; not "-C", a one-letter option
    if (placeholder && (placeholder[1] === "" || placeholder[2].length > 1)) return `${minus(placeholder[1])}\\fI${placeholder[2]}\\fR`;
    return `\\fB${minus(part)}\\fR`;
  });
}

/** Spaces inside [...] made unbreakable, so that "[-i IF]" never splits across lines. */
function unbreakable(roff: string): string {
  let depth = 0;
  let out = "";
  for (const ch of roff) {
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    out += ch === " " && depth > 0 ? "\\ " : ch;
  }
  return out;
}

/** Inline markup of prose: `code`, *italics*; the rest escaped. */
function inline(text: string): string {
  return text
    .split(/(`[^`]+`|\*[^*\s][^*]*\*)/)
    .map((piece) => {
      if (piece.startsWith("`") && piece.endsWith("`") && piece.length > 1) return code(piece.slice(1, -1));
      if (piece.startsWith("*") && piece.endsWith("*") && piece.length > 2) return `\\fI${escape(piece.slice(1, -1))}\\fR`;
      return escape(piece);
    })
    .join("");
}

/** A text line safe at the start of a roff input line (a leading '.' or '\'' would be a request). */
function line(text: string): string {
  return /^[.']/.test(text) ? `\\&${text}` : text;
}

/** Paragraphs of prose as roff: .PP paragraphs, bullet items, examples. */
function paragraphs(paras: readonly string[], first = false): string[] {
  const out: string[] = [];
  paras.forEach((p, i) => {
    if (p.startsWith("    ")) {
      out.push(".PP", ".RS 4", ".EX", ...p.split("\n").map((l) => line(escape(l.replace(/^ {4}/, "")).replace(/-/g, "\\-"))), ".EE", ".RE");
    } else if (p.startsWith("- ")) {
      out.push(".IP \\(bu 2", line(inline(p.slice(2))));
    } else {
      if (!(first && i === 0)) out.push(".PP");
      out.push(line(inline(p)));
    }
  });
  return out;
}

/** "-i, --interface=IF" in roff. */
function optionTag(o: OptionSpec): string {
  const long = `\\fB\\-\\-${escape(o.long).replace(/-/g, "\\-")}\\fR`;
  const value = o.value ? `=${code(o.meta ?? "VALUE")}` : "";
  return o.short ? `\\fB\\-${escape(o.short)}\\fR, ${long}${value}` : `${long}${value}`;
}

/** The help text of an option as a sentence: its placeholders in italics, options bold, minus signs. */
function optionHelp(o: OptionSpec): string {
  let text = o.help.charAt(0).toUpperCase() + o.help.slice(1);
  if (!/[.!?]$/.test(text)) text += ".";
  let out = escape(text);
  for (const meta of new Set((o.meta ?? "").match(/[A-Z][A-Z0-9_]*/g) ?? [])) {
    out = out.replace(new RegExp(`\\b${meta}\\b`, "g"), `\\fI${meta}\\fR`);
  }
  return out
    .replace(/(^|[\s(])(-{1,2}[a-z][a-z-]*)/g, (_, before: string, opt: string) => `${before}\\fB${opt.replace(/-/g, "\\-")}\\fR`)
    .replace(/(^|[\s(])-(\d)/g, "$1\\-$2");
}

/** A list of tagged paragraphs (.TP): FILES, SIGNALS, EXIT STATUS. */
function table(rows: ReadonlyArray<readonly [string, string]>, tag: (s: string) => string): string[] {
  return rows.flatMap(([k, v]) => [".TP", line(tag(k)), line(inline(v))]);
}

/** The manual page of program p with its prose; throws when the prose names an option p lacks. */
export function renderPage(p: Program, text: PageText): string {
  const longs = new Set(p.options.map((o) => o.long));
  for (const key of Object.keys(text.details ?? {})) {
    if (!longs.has(key)) throw new Error(`man ${p.name}: details for --${key}, which ${p.name} does not have`);
  }
  const out: string[] = [
    `.\\" Generated by \`npm run man\` from src/${p.name}.ts (options) and man/src/pages.ts (prose): edit those.`,
    `.TH ${p.name.toUpperCase()} ${text.section} "" "${p.name} ${p.version}" "${SECTION_TITLE[text.section]}"`,
    // no hyphenation: names and paths (recvstats, /var/run/sendstats.pid) stay whole
    ".nh",
    ".ad l",
    ".SH NAME",
    `${p.name} \\- ${escape(text.summary)}`,
    ".SH SYNOPSIS",
    `.B ${p.name}`,
    line(unbreakable(code(p.synopsis))),
    ".SH DESCRIPTION",
    ...paragraphs(text.description, true),
    ".SH OPTIONS",
  ];
  for (const o of p.options) {
    out.push(".TP", optionTag(o), line(optionHelp(o)));
    const more = text.details?.[o.long];
    if (more) out.push(line(inline(more)));
  }
  out.push(".SH FILES", ...table(text.files, (f) => `\\fI${escape(f)}\\fR`));
  if (text.signals) out.push(".SH SIGNALS", ...table(text.signals, (s) => `\\fB${escape(s)}\\fR`));
  out.push(".SH \"EXIT STATUS\"", ...table(text.exitStatus, (s) => `\\fB${escape(s)}\\fR`));
  out.push(
    ".SH \"SEE ALSO\"",
    text.seeAlso.map((ref) => ref.replace(/^([\w.-]+)\((\w+)\)$/, (_, name: string, sec: string) => `\\fB${escape(name).replace(/-/g, "\\-")}\\fR(${sec})`)).join(",\n"),
  );
  return out.join("\n") + "\n";
}

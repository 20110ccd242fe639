// Status bits returned by every parser and by the table. A status is a set of conditions
// (OR-ed bits), 0 when the input parsed cleanly. A bad field fails alone: the parser marks
// it failed, records the byte offset of the first failure (lastFailAt), and goes on with the
// rest of the file. The host turns these bits into words (src/errors.ts).
//
// | input                                   | status            | what is stored                       |
// |-----------------------------------------|-------------------|--------------------------------------|
// | well-formed file                        | OK                | every recognised field               |
// | empty file, or nothing recognised       | EMPTY             | the section, with every field absent |
// | last line without '\n'                  | TRUNCATED         | all but that line (it may be cut)    |
// | non-digit, '-', garbled number          | BAD_FIELD         | that field failed, the rest parsed   |
// | a key or trailing field left out (a     | OK                | that field absent, never 0           |
// |   meminfo key, cpuinfo MHz or cache,    |                   |                                      |
// |   net/dev counters or loadavg fields    |                   |                                      |
// |   after the last one given)             |                   |                                      |
// | fewer columns than a line must have     | BAD_FIELD         | given columns; the others absent     |
// |   (stat cpuN: under 4; loadavg: no '/') |                   |                                      |
// | extra columns, unknown keys             | OK                | ignored                              |
// | number above 2^64-1 (or its field)      | OVERFLOW          | that field failed, the rest parsed   |
// | NUL byte inside a value                 | BAD_FIELD         | that field failed                    |
// | NUL byte inside a key                   | OK                | the line is an unknown key, skipped  |
// | CRLF line ends                          | OK                | '\r' is white space                  |
// | more than MAX_CPUS / MAX_IFACES entries | LIMIT             | the first MAX entries                |
// | table: node number out of range         | LIMIT             | nothing                              |
// | table: memory exhausted                 | NO_SPACE          | the node's previous data             |

export const S_OK: u32 = 0;
export const S_EMPTY: u32 = 1;
export const S_TRUNCATED: u32 = 2;
export const S_BAD_FIELD: u32 = 4;
export const S_OVERFLOW: u32 = 8;
export const S_LIMIT: u32 = 16;
export const S_NO_SPACE: u32 = 32;
/** Arguments that break the caller contract (a length beyond the input buffer, an unknown section). */
export const S_BAD_CALL: u32 = 64;

/** No failure offset: the value of lastFailAt() after a clean parse. */
export const NO_FAIL: u32 = 0xffffffff;

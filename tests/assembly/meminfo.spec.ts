import { parseMeminfo } from "../../assembly/proc/meminfo";
import { PR_SIZE, NODE_MEM, MEM_TOTAL } from "../../assembly/layout";

describe("parseMeminfo", () => {
  it("reads MemTotal in bytes", () => {
    const rec = heap.alloc(PR_SIZE);
    memory.fill(rec, 0, PR_SIZE);
    const text = String.UTF8.encode("MemTotal: 10 kB\n");
    const st = parseMeminfo(rec, changetype<usize>(text), text.byteLength);
    expect(st).toBe(0);
    expect(load<u64>(rec + NODE_MEM + (MEM_TOTAL << 3))).toBe(10240);
  });
});

// Specs of parseCpuinfo (assembly/proc/cpuinfo.ts): every layout of the table in its header
// (x86, LoongArch, ppc, s390x, ARM legacy, Alpha, ia64, MIPS, RISC-V, arm64, uniprocessor
// files), model ranking and interning, and the status table of assembly/status.ts for every
// kind of bad input. Layout samples are cut from fixtures/proc/cpuinfo-arch; offsets and kHz
// are counted by hand.

import {
  CIF_CACHE, CIF_INDEX, CIF_MHZ, CIF_MODEL, CI_CACHE_KB, CI_FAILED, CI_INDEX, CI_MHZ, CI_MODEL, CI_PRESENT, CI_SIZE,
  EXT_COUNT, F_CPU_COUNT, F_MHZ, F_SECTION, MAX_CPUS, MODEL_LEN, MODEL_NONE, MODEL_OTHER, MODEL_SLOTS, NODE_CIS, NODE_CPU_COUNT,
  NODE_MHZ, NODE_MODELS, NODE_STATE, NSTATE_CIS_CUT, PR_CIS, SEC_CPUINFO,
} from "../../assembly/layout";
import { parseCpuinfo } from "../../assembly/proc/cpuinfo";
import { parseFailAt } from "../../assembly/scan";
import { NO_FAIL, S_BAD_FIELD, S_EMPTY, S_LIMIT, S_OK, S_OVERFLOW, S_TRUNCATED } from "../../assembly/status";
import { allZero, cstr, freshRecord, isFailed, isPresent, rec, run } from "./fixture";

/** CPUs in the list (EXT_COUNT), which must equal NODE_CPU_COUNT when that is present. */
function count(): u32 {
  return load<u32>(rec + NODE_CIS + EXT_COUNT);
}

function cpuCount(): u32 {
  return load<u32>(rec + NODE_CPU_COUNT);
}

function nodeMhz(): u32 {
  return load<u32>(rec + NODE_MHZ);
}

function ci(i: u32): usize {
  return rec + PR_CIS + <usize>i * CI_SIZE;
}

function index(i: u32): u32 {
  return load<u32>(ci(i) + CI_INDEX);
}

function mhz(i: u32): u32 {
  return load<u32>(ci(i) + CI_MHZ);
}

function cache(i: u32): u32 {
  return load<u32>(ci(i) + CI_CACHE_KB);
}

function slot(i: u32): u32 {
  return <u32>load<u8>(ci(i) + CI_MODEL);
}

function has(i: u32): u32 {
  return <u32>load<u8>(ci(i) + CI_PRESENT);
}

function bad(i: u32): u32 {
  return <u32>load<u8>(ci(i) + CI_FAILED);
}

/** The name in model slot s. */
function model(s: u32): string {
  return cstr(rec + NODE_MODELS + <usize>s * MODEL_LEN, MODEL_LEN);
}

/** The model name of CPU i, through its slot. */
function modelOf(i: u32): string {
  return model(slot(i));
}

const X86 =
  "processor\t: 0\n" +
  "vendor_id\t: GenuineIntel\n" +
  "cpu family\t: 6\n" +
  "model\t\t: 79\n" +
  "model name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\n" +
  "stepping\t: 1\n" +
  "cpu MHz\t\t: 2400.000\n" +
  "cache size\t: 35840 KB\n" +
  "flags\t\t: fpu vme de pse\n" +
  "bogomips\t: 4800.00\n" +
  "\n" +
  "processor\t: 1\n" +
  "vendor_id\t: GenuineIntel\n" +
  "model name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\n" +
  "cpu MHz\t\t: 1200.123\n" +
  "cache size\t: 35840 KB\n" +
  "bogomips\t: 4800.00\n" +
  "\n";
const XEON = "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz";
const ALL: u32 = CIF_INDEX | CIF_MHZ | CIF_CACHE | CIF_MODEL;

describe("parseCpuinfo layouts", () => {
  beforeEach(() => {
    freshRecord();
  });

  it("reads x86: per-CPU index, MHz in kHz, cache and model name over vendor_id", () => {
    expect(run(parseCpuinfo, X86)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(2);
    expect(cpuCount()).toBe(2);
    expect(isPresent(rec, F_CPU_COUNT)).toBe(true);
    expect(isPresent(rec, F_MHZ)).toBe(true);
    expect(isPresent(rec, F_SECTION + SEC_CPUINFO)).toBe(true);
    expect(nodeMhz()).toBe(2400000);
    expect(index(0)).toBe(0);
    expect(index(1)).toBe(1);
    expect(mhz(0)).toBe(2400000);
    expect(mhz(1)).toBe(1200123);
    expect(cache(0)).toBe(35840);
    expect(has(0)).toBe(ALL);
    expect(has(1)).toBe(ALL);
    expect(bad(0)).toBe(0);
    expect(slot(0)).toBe(0);
    expect(slot(1)).toBe(0);
    expect(model(0)).toBe(XEON);
    expect(model(1)).toBe("");
    // the byte after CI_FAILED is reserved: zero once parsed
    expect(load<u8>(ci(0) + 15)).toBe(0);
    expect(load<u8>(ci(1) + 15)).toBe(0);
  });

  it("reads LoongArch: Model Name and CPU MHz", () => {
    const text =
      "system type\t\t: generic-loongson-machine\n\n" +
      "processor\t\t: 0\npackage\t\t\t: 0\nCPU Family\t\t: Loongson-64bit\nModel Name\t\t: Loongson-3A5000\n" +
      "CPU MHz\t\t\t: 2500.00\nBogoMIPS\t\t: 5000.00\nISA\t\t\t: loongarch32 loongarch64\n\n" +
      "processor\t\t: 1\nModel Name\t\t: Loongson-3A5000\nCPU MHz\t\t\t: 2500.00\n\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(count()).toBe(2);
    expect(nodeMhz()).toBe(2500000);
    expect(mhz(1)).toBe(2500000);
    expect(modelOf(0)).toBe("Loongson-3A5000");
    expect(slot(1)).toBe(0);
    expect(has(0)).toBe(CIF_INDEX | CIF_MHZ | CIF_MODEL);
  });

  it("reads ppc: cpu as the model and clock with its MHz suffix", () => {
    const text =
      "processor\t: 0\ncpu\t\t: POWER7 (architected), altivec supported\nclock\t\t: 3000.000000MHz\n" +
      "revision\t: 2.1 (pvr 003f 0201)\n\n" +
      "processor\t: 1\ncpu\t\t: POWER7 (architected), altivec supported\nclock\t\t: 3000.000000MHz\n" +
      "revision\t: 2.1 (pvr 003f 0201)\n\n" +
      "timebase\t: 512000000\nplatform\t: pSeries\nmodel\t\t: IBM,8233-E8B\nmachine\t\t: CHRP IBM,8233-E8B\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(2);
    expect(mhz(0)).toBe(3000000);
    expect(mhz(1)).toBe(3000000);
    expect(nodeMhz()).toBe(3000000);
    expect(modelOf(1)).toBe("POWER7 (architected), altivec supported");
  });

  it("reads s390x: CPUs from cpu number blocks, MHz dynamic, the global vendor_id as model", () => {
    const text =
      "vendor_id       : IBM/S390\n# processors    : 2\nbogomips per cpu: 3241.00\nmax thread id   : 0\n" +
      "features\t: esan3 zarch stfle msa\n" +
      "cache0          : level=1 type=Data scope=Private size=128K line_size=256 associativity=8\n" +
      "processor 0: version = FF,  identification = 0133E8,  machine = 2964\n" +
      "processor 1: version = FF,  identification = 0133E8,  machine = 2964\n\n" +
      "cpu number      : 0\nphysical id     : 2\ncpu MHz dynamic : 5000\ncpu MHz static  : 5000\n\n" +
      "cpu number      : 1\nphysical id     : 2\ncpu MHz dynamic : 4800\ncpu MHz static  : 5000\n\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(2);
    expect(cpuCount()).toBe(2);
    expect(index(1)).toBe(1);
    expect(mhz(0)).toBe(5000000);
    expect(mhz(1)).toBe(4800000);
    expect(modelOf(0)).toBe("IBM/S390");
    expect(modelOf(1)).toBe("IBM/S390");
    expect(has(1)).toBe(CIF_INDEX | CIF_MHZ | CIF_MODEL);
  });

  it("gives an old s390x file that only counts its CPUs (# processors) that many, numbered from 0", () => {
    const text =
      "vendor_id       : IBM/S390\n# processors    : 2\nbogomips per cpu: 2913.00\n" +
      "features\t: esan3 zarch stfle msa ldisp eimm dfp etf3eh highgprs \n" +
      "processor 0: version = FF,  identification = 32C047,  machine = 2827\n" +
      "processor 1: version = FF,  identification = 32C047,  machine = 2827\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(2);
    expect(cpuCount()).toBe(2);
    expect(index(0)).toBe(0);
    expect(index(1)).toBe(1);
    expect(has(1)).toBe(CIF_INDEX | CIF_MODEL);
    expect(modelOf(1)).toBe("IBM/S390");
    expect(isPresent(rec, F_MHZ)).toBe(false);
    expect(isFailed(rec, F_MHZ)).toBe(false);
    expect(nodeMhz()).toBe(0);
  });

  it("gives every CPU of legacy ARM the global Processor model, and no MHz from BogoMIPS", () => {
    const text =
      "Processor : ARMv7 Processor rev 5 (v7l)\nprocessor : 0\nBogoMIPS : 2400.00\n\n" +
      "processor : 1\nBogoMIPS : 2400.00\n\n" +
      "Features : swp half thumb fastmult vfp edsp thumbee neon vfpv3 tls vfpv4 idiva idivt\n" +
      "CPU implementer : 0x41\nCPU architecture: 7\nCPU variant : 0x0\nCPU part : 0xc07\nCPU revision : 5\n\n" +
      "Hardware : sun8i\nRevision : 0000\nSerial : 5400503583203c3c040e\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(count()).toBe(2);
    expect(slot(0)).toBe(0);
    expect(slot(1)).toBe(0);
    expect(model(0)).toBe("ARMv7 Processor rev 5 (v7l)");
    expect(model(1)).toBe("");
    expect(has(0)).toBe(CIF_INDEX | CIF_MODEL);
    expect(isPresent(rec, F_MHZ)).toBe(false);
    expect(isFailed(rec, F_MHZ)).toBe(false);
  });

  it("gives every CPU of the arm64 3.17 layout the global Processor, not the CPU part after the last CPU", () => {
    const text =
      "Processor\t: AArch64 Processor rev 0 (aarch64)\nprocessor\t: 0\nprocessor\t: 1\nprocessor\t: 2\n" +
      "Features\t: fp asimd evtstrm \nCPU implementer\t: 0x50\nCPU architecture: AArch64\nCPU variant\t: 0x0\n" +
      "CPU part\t: 0x000\nCPU revision\t: 0\n\nHardware\t: APM X-Gene Mustang board\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(count()).toBe(3);
    for (let i: u32 = 0; i < 3; i++) {
      expect(index(i)).toBe(i);
      expect(modelOf(i)).toBe("AArch64 Processor rev 0 (aarch64)");
    }
  });

  it("fills no model slot that no CPU uses: the CPU part the last arm64 3.17 CPU absorbs loses to Processor", () => {
    // no blank line after the last CPU: "CPU part" lands in CPU 1's block, where the global
    // Processor outranks it; the header: the global model is "interned ... only if some CPU uses it"
    const text =
      "Processor\t: AArch64 Processor rev 0 (aarch64)\nprocessor\t: 0\nprocessor\t: 1\n" +
      "CPU part\t: 0x000\n\nHardware\t: APM X-Gene Mustang board\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(modelOf(1)).toBe("AArch64 Processor rev 0 (aarch64)");
    for (let s: u32 = 0; s < MODEL_SLOTS; s++) {
      if (model(s) == "") continue;
      let used = false;
      for (let i: u32 = 0; i < count(); i++) if (slot(i) == s) used = true;
      expect(used).toBe(true, "slot " + s.toString() + " holds \"" + model(s) + "\", which no CPU uses");
    }
  });

  it("gives a uniprocessor ARMv6 file without processor lines one CPU numbered 0", () => {
    const text =
      "Processor       : ARMv6-compatible processor rev 5 (v6l)\nBogoMIPS        : 791.34\n" +
      "Features        : swp half thumb fastmult vfp edsp java \nCPU implementer : 0x41\n" +
      "CPU architecture: 6TEJ\nCPU variant     : 0x1\nCPU part        : 0xb36\nCPU revision    : 5\n\n" +
      "Hardware        : IMAPX200\nRevision        : 0000\nSerial          : 0000000000000000\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(1);
    expect(cpuCount()).toBe(1);
    expect(index(0)).toBe(0);
    expect(has(0)).toBe(CIF_INDEX | CIF_MODEL);
    expect(modelOf(0)).toBe("ARMv6-compatible processor rev 5 (v6l)");
    expect(isPresent(rec, F_MHZ)).toBe(false);
  });

  it("gives a uniprocessor PowerMac file one CPU with its clock and cpu", () => {
    const text =
      "cpu : 604\nclock : 120MHz\nrevision : 3.3 (pvr 0004 0303)\nbogomips : 239.20\nmachine : Power Macintosh\n" +
      "motherboard : AAPL,8500 MacRISC\nL2 cache : 256K unified\nmemory : 56MB\npmac-generation : OldWorld\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(count()).toBe(1);
    expect(has(0)).toBe(CIF_INDEX | CIF_MHZ | CIF_MODEL);
    expect(mhz(0)).toBe(120000);
    expect(nodeMhz()).toBe(120000);
    expect(isPresent(rec, F_MHZ)).toBe(true);
    expect(modelOf(0)).toBe("604");
  });

  it("gives Alpha its cpus detected, with cpu model over cpu and no MHz from cycle frequency", () => {
    const text =
      "cpu                     : Alpha\ncpu model               : EV56\ncpu variation           : 7\n" +
      "cpu revision            : 0\ncpu serial number       :\nsystem type             : Miata\n" +
      "cycle frequency [Hz]    : 499714426 est.\ntimer frequency [Hz]    : 1024.00\n" +
      "BogoMIPS                : 992.88\n" +
      "kernel unaligned acc    : 196 (pc=fffffc0000517e44,va=2000001a032)\n" +
      "platform string         : Digital Personal WorkStation 500au\ncpus detected           : 4\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(4);
    expect(cpuCount()).toBe(4);
    expect(index(3)).toBe(3);
    expect(modelOf(3)).toBe("EV56");
    expect(has(3)).toBe(CIF_INDEX | CIF_MODEL);
    expect(isPresent(rec, F_MHZ)).toBe(false);
  });

  it("reads ia64: cpu number inside processor blocks starts no CPU; model name over family", () => {
    const block = (n: string): string =>
      "processor  : " + n + "\nvendor     : GenuineIntel\narch       : IA-64\nfamily     : 32\nmodel      : 0\n" +
      "model name : Dual-Core Intel(R) Itanium(R) Processor 9040\nrevision   : 7\ncpu number : 0\ncpu regs   : 4\n" +
      "cpu MHz    : 1594.007\nitc MHz    : 399.000000\nBogoMIPS   : 3186.68\nphysical id: 0\n\n";
    expect(run(parseCpuinfo, block("0") + block("1"))).toBe(S_OK);
    expect(count()).toBe(2);
    expect(index(1)).toBe(1);
    expect(mhz(1)).toBe(1594007);
    expect(modelOf(0)).toBe("Dual-Core Intel(R) Itanium(R) Processor 9040");
    expect(model(1)).toBe("");
  });

  it("reads old ia64 without model name: family is the model", () => {
    expect(run(parseCpuinfo, "processor  : 0\nvendor     : GenuineIntel\nfamily     : Itanium 2\ncpu number : 0\n\n")).toBe(S_OK);
    expect(count()).toBe(1);
    expect(modelOf(0)).toBe("Itanium 2");
  });

  it("reads MIPS: cpu model over isa, globals before the first CPU skipped", () => {
    const text =
      "system type\t\t: UBNT_E100\nmachine\t\t\t: Unknown\nprocessor\t\t: 0\ncpu model\t\t: Cavium Octeon+ V0.1\n" +
      "BogoMIPS\t\t: 1000.00\nhardware watchpoint\t: yes, count: 2, address/irw mask: [0x0ffc, 0x0ffb]\n" +
      "isa\t\t\t: mips1 mips2 mips3 mips4 mips5 mips64r2\nASEs implemented\t:\n\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(count()).toBe(1);
    expect(modelOf(0)).toBe("Cavium Octeon+ V0.1");
    expect(isPresent(rec, F_MHZ)).toBe(false);
  });

  it("reads RISC-V: isa is the model, no MHz", () => {
    const text =
      "processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdcsu\nmmu\t\t: sv48\n\n" +
      "processor\t: 1\nhart\t\t: 1\nisa\t\t: rv64imafdcsu\nmmu\t\t: sv48\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(count()).toBe(2);
    expect(modelOf(1)).toBe("rv64imafdcsu");
    expect(has(1)).toBe(CIF_INDEX | CIF_MODEL);
  });

  it("reads arm64 without model name: CPU part is the model", () => {
    expect(run(parseCpuinfo, "processor\t: 0\nBogoMIPS\t: 100.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd03\n\n")).toBe(S_OK);
    expect(modelOf(0)).toBe("0xd03");
  });
});

describe("parseCpuinfo models", () => {
  beforeEach(() => {
    freshRecord();
  });

  it("ranks a CPU's own keys: model name beats a later vendor_id and an earlier isa", () => {
    expect(run(parseCpuinfo, "processor : 0\nisa : rv64\nmodel name : A\nvendor_id : V\n\n")).toBe(S_OK);
    expect(modelOf(0)).toBe("A");
    expect(model(1)).toBe("");
  });

  it("lets a CPU's own model name beat a worse global vendor_id", () => {
    expect(run(parseCpuinfo, "vendor_id : IBM\n\nprocessor : 0\nmodel name : Z\n\n")).toBe(S_OK);
    expect(modelOf(0)).toBe("Z");
  });

  it("lets a CPU's own model beat a global one of the same rank", () => {
    expect(run(parseCpuinfo, "model name : G\n\nprocessor : 0\nmodel name : C\n\n")).toBe(S_OK);
    expect(modelOf(0)).toBe("C");
  });

  it("lets a better global Processor beat a CPU's own CPU part", () => {
    expect(run(parseCpuinfo, "Processor : ARMv7 X\nprocessor : 0\nCPU part : 0xc09\n\n")).toBe(S_OK);
    expect(modelOf(0)).toBe("ARMv7 X");
  });

  it("ignores a model key with an empty value", () => {
    expect(run(parseCpuinfo, "processor : 0\nmodel name :\n\n")).toBe(S_OK);
    expect(slot(0)).toBe(MODEL_NONE);
    expect(has(0)).toBe(CIF_INDEX);
    expect(model(0)).toBe("");
  });

  it("cuts a model name longer than 63 bytes at a UTF-8 character boundary", () => {
    const a62 = "A".repeat(62);
    const a61 = "A".repeat(61);
    const text =
      "processor : 0\nmodel name : " + a62 + "\u00e9tail\n\n" + // the 2-byte character at 62..63 is dropped
      "processor : 1\nmodel name : " + a61 + "\u20actail\n\n" + // the 3-byte character at 61..63 is dropped
      "processor : 2\nmodel name : " + "B".repeat(70) + "\n\n" + // cut at 63
      "processor : 3\nmodel name : " + a62 + "\u00e9other\n\n"; // the same 62 bytes as CPU 0
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(model(0)).toBe(a62);
    expect(model(1)).toBe(a61);
    expect(model(2)).toBe("B".repeat(63));
    expect(load<u8>(rec + NODE_MODELS + 62)).toBe(0);
    expect(load<u8>(rec + NODE_MODELS + MODEL_LEN + 61)).toBe(0);
    expect(load<u8>(rec + NODE_MODELS + 2 * MODEL_LEN + 63)).toBe(0);
    expect(slot(0)).toBe(0);
    expect(slot(1)).toBe(1);
    expect(slot(2)).toBe(2);
    expect(slot(3)).toBe(0);
  });

  it("keeps a model name of exactly 63 bytes whole", () => {
    expect(run(parseCpuinfo, "processor : 0\nmodel name : " + "C".repeat(62) + "D\n\n")).toBe(S_OK);
    expect(model(0)).toBe("C".repeat(62) + "D");
  });

  it("gives CPUs beyond the fourth distinct model MODEL_OTHER, still marked present", () => {
    const names: string[] = ["A", "B", "C", "D", "E", "E", "A", "AB"];
    let text = "";
    for (let i = 0; i < names.length; i++) text += "processor : " + i.toString() + "\nmodel name : " + names[i] + "\n\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(count()).toBe(8);
    const want: u32[] = [0, 1, 2, 3, MODEL_OTHER, MODEL_OTHER, 0, MODEL_OTHER];
    for (let i: u32 = 0; i < 8; i++) {
      expect(slot(i)).toBe(want[i]);
      expect(has(i) & CIF_MODEL).toBe(CIF_MODEL);
    }
    expect(model(3)).toBe("D");
  });

  it("tells a name apart from its prefix in the model slots", () => {
    expect(run(parseCpuinfo, "processor : 0\nmodel name : Intel Xeon\n\nprocessor : 1\nmodel name : Intel\n\n")).toBe(S_OK);
    expect(slot(0)).toBe(0);
    expect(slot(1)).toBe(1);
    expect(model(1)).toBe("Intel");
  });

  it("never takes MHz from BogoMIPS", () => {
    expect(run(parseCpuinfo, "processor : 0\nbogomips : 4800.00\nBogoMIPS : 4800.00\n\n")).toBe(S_OK);
    expect(has(0)).toBe(CIF_INDEX);
    expect(mhz(0)).toBe(0);
    expect(isPresent(rec, F_MHZ)).toBe(false);
    expect(nodeMhz()).toBe(0);
  });

  it("gives a global MHz to the CPUs without their own; the node's MHz is the first CPU's", () => {
    expect(run(parseCpuinfo, "cpu MHz : 1000\nprocessor : 0\n\nprocessor : 1\ncpu MHz : 2000.5\n\n")).toBe(S_OK);
    expect(mhz(0)).toBe(1000000);
    expect(mhz(1)).toBe(2000500);
    expect(nodeMhz()).toBe(1000000);
  });

  it("fails the MHz of the CPUs that inherit a garbled global MHz", () => {
    expect(run(parseCpuinfo, "cpu MHz : x\nprocessor : 0\n\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(10);
    expect(bad(0)).toBe(CIF_MHZ);
    expect(isFailed(rec, F_MHZ)).toBe(true);
    expect(isPresent(rec, F_MHZ)).toBe(false);
  });

  it("replaces the models and list of an earlier parse", () => {
    expect(run(parseCpuinfo, "processor : 0\nmodel name : A\n\nprocessor : 1\nmodel name : B\n\n")).toBe(S_OK);
    expect(run(parseCpuinfo, "processor : 0\nmodel name : C\n\n")).toBe(S_OK);
    expect(count()).toBe(1);
    expect(model(0)).toBe("C");
    expect(allZero(rec + NODE_MODELS + MODEL_LEN, MODEL_LEN)).toBe(true);
  });
});

describe("parseCpuinfo status", () => {
  beforeEach(() => {
    freshRecord();
  });

  it("reports an empty file as EMPTY at offset 0, with the section given and no CPU", () => {
    expect(run(parseCpuinfo, "")).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(count()).toBe(0);
    expect(isPresent(rec, F_CPU_COUNT)).toBe(false);
    expect(isFailed(rec, F_CPU_COUNT)).toBe(false);
    expect(isPresent(rec, F_SECTION + SEC_CPUINFO)).toBe(true);
  });

  it("reports a file of unknown keys only as EMPTY", () => {
    expect(run(parseCpuinfo, "flags : fpu\nbogomips : 1.00\n")).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(count()).toBe(0);
  });

  it("reports a last line without newline as TRUNCATED and drops only that line", () => {
    // "processor : 0\n" is 14 bytes, "cpu MHz : 1000.000\n" 19
    expect(run(parseCpuinfo, "processor : 0\ncpu MHz : 1000.000\nprocessor : 1")).toBe(S_TRUNCATED);
    expect(parseFailAt).toBe(33);
    expect(count()).toBe(1);
    expect(mhz(0)).toBe(1000000);
  });

  it("leaves MHz and cache absent when a CPU does not give them", () => {
    expect(run(parseCpuinfo, "processor : 0\nmodel name : X\n\n")).toBe(S_OK);
    expect(has(0)).toBe(CIF_INDEX | CIF_MODEL);
    expect(bad(0)).toBe(0);
    expect(isPresent(rec, F_MHZ)).toBe(false);
    expect(isFailed(rec, F_MHZ)).toBe(false);
  });

  it("fails a processor line without a number but keeps its CPU", () => {
    // "processor :" ends at 11
    expect(run(parseCpuinfo, "processor :\nmodel name : X\n\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(11);
    expect(count()).toBe(1);
    expect(cpuCount()).toBe(1);
    expect(bad(0)).toBe(CIF_INDEX);
    expect(has(0)).toBe(CIF_MODEL);
  });

  it("ignores unknown keys and lines without a colon", () => {
    expect(run(parseCpuinfo, "processor : 0\nflags : a b c\nno colon here\nphysical id : 0\nsiblings : 4\n\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(has(0)).toBe(CIF_INDEX);
  });

  it("rejects numbers past their field's width and keeps 2^32-1 kHz and KiB", () => {
    const text =
      "processor : 0\ncpu MHz : 4294967.295\ncache size : 4294967295 KB\n\n" +
      "processor : 1\ncpu MHz : 4294967.296\ncache size : 4294967296 KB\n\n" +
      "processor : 18446744073709551616\n\n";
    // CPU 1's MHz value is at 64 + 14 + 10
    expect(run(parseCpuinfo, text)).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(88);
    expect(count()).toBe(3);
    expect(mhz(0)).toBe(4294967295);
    expect(cache(0)).toBe(4294967295);
    expect(has(0)).toBe(CIF_INDEX | CIF_MHZ | CIF_CACHE);
    expect(has(1)).toBe(CIF_INDEX);
    expect(bad(1)).toBe(CIF_MHZ | CIF_CACHE);
    expect(mhz(1)).toBe(0);
    expect(has(2)).toBe(0);
    expect(bad(2)).toBe(CIF_INDEX);
    expect(nodeMhz()).toBe(4294967295);
  });

  it("rejects a processor number above a u32", () => {
    expect(run(parseCpuinfo, "processor : 4294967296\n\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(12);
    expect(bad(0)).toBe(CIF_INDEX);
  });

  it("rejects an MHz above 2^64-1 and fails the node's MHz", () => {
    expect(run(parseCpuinfo, "processor : 0\ncpu MHz : 18446744073709551616.000\n\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(24);
    expect(bad(0)).toBe(CIF_MHZ);
    expect(isFailed(rec, F_MHZ)).toBe(true);
    expect(isPresent(rec, F_MHZ)).toBe(false);
  });

  it("rejects non-digits in MHz and a cache size not in KB, and keeps the CPU", () => {
    expect(run(parseCpuinfo, "processor : 0\ncpu MHz : fast\ncache size : 512 kB\nmodel name : M\n\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(24);
    expect(bad(0)).toBe(CIF_MHZ | CIF_CACHE);
    expect(has(0)).toBe(CIF_INDEX | CIF_MODEL);
    expect(isFailed(rec, F_MHZ)).toBe(true);
  });

  it("rejects an MHz with a dot and no fraction", () => {
    expect(run(parseCpuinfo, "processor : 0\ncpu MHz : 12.\n\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(24);
    expect(bad(0)).toBe(CIF_MHZ);
  });

  it("rejects a negative processor number and a negative MHz", () => {
    // "processor : -1\n" is 15 bytes
    expect(run(parseCpuinfo, "processor : -1\ncpu MHz : -800.000\n\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(12);
    expect(bad(0)).toBe(CIF_INDEX | CIF_MHZ);
    expect(has(0)).toBe(0);
    expect(count()).toBe(1);
  });

  it("reads CRLF line ends as white space, a CR-only line as blank", () => {
    const text =
      "processor\t: 0\r\nmodel name\t: Intel\r\ncpu MHz\t\t: 2400.000\r\n\r\n" +
      "processor\t: 1\r\nmodel name\t: Intel\r\n\r\n";
    expect(run(parseCpuinfo, text)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(2);
    expect(model(0)).toBe("Intel");
    expect(slot(1)).toBe(0);
    expect(mhz(0)).toBe(2400000);
    expect(has(1)).toBe(CIF_INDEX | CIF_MODEL);
  });

  it("skips a key with a NUL byte in it as unknown", () => {
    expect(run(parseCpuinfo, "processor : 0\nmodel\0name : X\ncpu MHz : 1000\n\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(slot(0)).toBe(MODEL_NONE);
    expect(has(0)).toBe(CIF_INDEX | CIF_MHZ);
  });

  it("fails an MHz with a NUL byte in it", () => {
    expect(run(parseCpuinfo, "processor : 0\ncpu MHz : 10\x0000\n\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(24);
    expect(bad(0)).toBe(CIF_MHZ);
  });

  it("fails a model name with a NUL byte in it (status table: NUL inside a value)", () => {
    // "model name : " is 13 bytes: the value is at 14 + 13
    expect(run(parseCpuinfo, "processor : 0\nmodel name : Intel\0Xeon\n\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(27);
    expect(bad(0)).toBe(CIF_MODEL);
    expect(has(0)).toBe(CIF_INDEX);
    expect(slot(0)).toBe(MODEL_NONE);
  });

  it("keeps the first 8192 CPUs of a longer list, skipping the rest's keys, flagging LIMIT", () => {
    // "processor : 1\nmodel name : A\n" is 29 bytes: CPU 8193 starts at 8192 * 29
    const text = "processor : 1\nmodel name : A\n".repeat(MAX_CPUS) + "processor : 1\nmodel name : B\ncpu MHz : 999\n";
    expect(run(parseCpuinfo, text)).toBe(S_LIMIT);
    expect(parseFailAt).toBe(237568);
    expect(count()).toBe(8192);
    expect(cpuCount()).toBe(8192);
    expect(load<u32>(rec + NODE_STATE) & NSTATE_CIS_CUT).toBe(NSTATE_CIS_CUT);
    expect(model(1)).toBe("");
    expect(slot(8191)).toBe(0);
    expect(isPresent(rec, F_MHZ)).toBe(false);
    expect(mhz(0)).toBe(0);
    expect(run(parseCpuinfo, "processor : 0\n\n")).toBe(S_OK);
    expect(load<u32>(rec + NODE_STATE) & NSTATE_CIS_CUT).toBe(0);
  });

  it("keeps the first 8192 CPUs of a # processors count above MAX_CPUS (status table: LIMIT)", () => {
    // "# processors : " is 15 bytes
    expect(run(parseCpuinfo, "vendor_id : IBM/S390\n# processors : 9000\n")).toBe(S_LIMIT);
    expect(parseFailAt).toBe(36);
    expect(count()).toBe(8192);
    expect(isPresent(rec, F_CPU_COUNT)).toBe(true);
    expect(load<u32>(rec + NODE_STATE) & NSTATE_CIS_CUT).toBe(NSTATE_CIS_CUT);
  });

  it("fails the CPU count of a # processors above 2^64-1", () => {
    expect(run(parseCpuinfo, "# processors : 18446744073709551616\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(15);
    expect(count()).toBe(0);
    expect(isFailed(rec, F_CPU_COUNT)).toBe(true);
    expect(isPresent(rec, F_CPU_COUNT)).toBe(false);
  });
});

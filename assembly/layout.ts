// The node table's byte layout, defined once. Every offset and size that a reader of the
// table (the TS host, the /var/shm file, readers in other languages) needs is an exported
// constant here; the host reads them from the module's exports and never types them again.
// All integers are little-endian (WebAssembly's own order); there are no pointers, only
// byte offsets from the start of the table, so the table can be copied byte for byte into
// a file and read by another process. docs/layout.md describes the same layout in prose.

/** Bumped whenever a field moves or changes meaning; readers refuse a version they do not know. */
export const LAYOUT_VERSION: u32 = 1;
/** "BSTB" read as little-endian u32: the first four bytes of a table (and of the shm file). */
export const TABLE_MAGIC: u32 = 0x42545342;

// ---- Table header -------------------------------------------------------------------
export const TABLE_MAGIC_AT: u32 = 0; // u32 TABLE_MAGIC
export const TABLE_VERSION: u32 = 4; // u32 LAYOUT_VERSION
export const TABLE_HEADER_SIZE: u32 = 8; // u32 bytes of this header
export const TABLE_NODE_SIZE: u32 = 12; // u32 bytes of one node record
export const TABLE_CPU_SIZE: u32 = 16; // u32 bytes of one per-CPU stat entry
export const TABLE_CI_SIZE: u32 = 20; // u32 bytes of one per-CPU cpuinfo entry
export const TABLE_IF_SIZE: u32 = 24; // u32 bytes of one interface entry
export const TABLE_FLAGS: u32 = 28; // u32 TFLAG_* bits, owned by the host
export const TABLE_MAX_NODES: u32 = 32; // u32 node numbers -1 .. MAX_NODES-1 have a directory slot
export const TABLE_DIR: u32 = 36; // u32 offset of the directory: (MAX_NODES + 1) u32 record offsets, 0 = none
export const TABLE_USED: u32 = 40; // u32 bytes of the table in use (heap top); a copy needs this many
export const TABLE_NODE_COUNT: u32 = 44; // u32 node records allocated
export const TABLE_SEQ: u32 = 48; // u32 header sequence lock: odd while the directory changes
export const TABLE_MODEL_SLOTS_AT: u32 = 52; // u32 MODEL_SLOTS
export const TABLE_MODEL_LEN_AT: u32 = 56; // u32 MODEL_LEN
/** Free lists of extents: EXT_TYPES x EXT_CLASSES u32 heads (offset of the first free extent, 0 = empty). */
export const TABLE_FREE: u32 = 64;
/** COUNTERS x u64 counters of the collector, by C_* index (the core counts datagrams; the host the rest). */
export const TABLE_COUNTERS: u32 = 256;
export const COUNTERS: u32 = 64;
/** Bytes 768 .. HEADER_BYTES belong to the collector process: */
export const TABLE_HOST_AREA: u32 = 768;
export const TABLE_PID: u32 = 768; // u32 pid of the collector
export const TABLE_HEARTBEAT: u32 = 776; // f64 epoch ms, rewritten every second while the collector runs
export const TABLE_LAST_REQUEST: u32 = 784; // f64 epoch ms of the last request multicast
export const TABLE_STARTED: u32 = 792; // f64 epoch ms the collector started
export const TABLE_HEADER_BYTES: u32 = 1024;

export const TFLAG_STOPPED: u32 = 1; // the collector stopped cleanly
export const TFLAG_SUPERSEDED: u32 = 2; // a newer file replaced this one: re-open by name

// ---- Extents: the variable-length arrays of a node ---------------------------------------
// A node's CPUs and interfaces live in extents allocated from the table's heap. An extent
// holds 4 << class entries of one type; a freed extent goes on its type's free list for
// that class (the first u32 of a free extent links to the next one).
export const EXT_TYPES: u32 = 3;
export const EXT_CLASSES: u32 = 12; // 4 .. 8192 entries
export const EXT_CPU: u32 = 0; // per-CPU stat entries
export const EXT_CI: u32 = 1; // per-CPU cpuinfo entries
export const EXT_IF: u32 = 2; // interface entries

/** Most CPUs (cpuinfo entries and stat lines each) one node may report: larger lists are cut and flagged. */
export const MAX_CPUS: u32 = 8192;
/** Most interfaces one node may report. */
export const MAX_IFACES: u32 = 4096;

// ---- Per-CPU /proc/stat entry (also the node's aggregate "cpu" line) ----------------------
export const CPU_INDEX: u32 = 0; // u32 N of the "cpuN" line (0xFFFFFFFF for the aggregate)
export const CPU_PRESENT: u32 = 4; // u16 bit i: column i was given
export const CPU_FAILED: u32 = 6; // u16 bit i: column i was given but garbled
export const CPU_TICKS: u32 = 8; // 10 x u64 in the order of CPU_COL_*
export const CPU_USAGE: u32 = 88; // u16 busy share x 10000 over the last two samples, USAGE_NONE if unknown
export const CPU_MARK: u32 = 92; // u32 update id that last listed this CPU (split updates prune the others)
export const CPU_SIZE: u32 = 96;
export const CPU_COLUMNS: u32 = 10;
export const CPU_COL_USER: u32 = 0;
export const CPU_COL_NICE: u32 = 1;
export const CPU_COL_SYSTEM: u32 = 2;
export const CPU_COL_IDLE: u32 = 3;
export const CPU_COL_IOWAIT: u32 = 4;
export const CPU_COL_IRQ: u32 = 5;
export const CPU_COL_SOFTIRQ: u32 = 6;
export const CPU_COL_STEAL: u32 = 7;
export const CPU_COL_GUEST: u32 = 8;
export const CPU_COL_GUEST_NICE: u32 = 9;
export const USAGE_NONE: u32 = 0xffff;
/** The index of the aggregate "cpu" line. */
export const CPU_AGGREGATE: u32 = 0xffffffff;

// ---- Per-CPU /proc/cpuinfo entry -----------------------------------------------------------
export const CI_INDEX: u32 = 0; // u32 processor number
export const CI_MHZ: u32 = 4; // u32 clock in kHz (MHz x 1000, truncated to three decimals)
export const CI_CACHE_KB: u32 = 8; // u32 cache size in KiB
export const CI_MODEL: u32 = 12; // u8 index into the node's model slots
export const CI_PRESENT: u32 = 13; // u8 CIF_* bits given
export const CI_FAILED: u32 = 14; // u8 CIF_* bits given but garbled
export const CI_MARK: u32 = 16; // u32 update id that last listed this CPU
export const CI_SIZE: u32 = 24;
export const CIF_INDEX: u32 = 1;
export const CIF_MHZ: u32 = 2;
export const CIF_CACHE: u32 = 4;
export const CIF_MODEL: u32 = 8;

// ---- Interface entry (/proc/net/dev) ----------------------------------------------------------
export const IF_NAME: u32 = 0; // IF_NAME_LEN bytes, UTF-8, NUL-padded (so at most IF_NAME_LEN-1 bytes)
export const IF_NAME_LEN: u32 = 32;
export const IF_PRESENT: u32 = 32; // u32 bit i: counter i was given
export const IF_FAILED: u32 = 36; // u32 bit i: counter i was given but garbled; bit 31: the name was too long
export const IF_COUNTERS: u32 = 40; // 16 x u64 in /proc/net/dev column order
export const IF_MARK: u32 = 168; // u32 update id that last listed this interface
export const IF_ORDER: u32 = 172; // u32 part x 65536 + line: keeps a split net/dev in file order
export const IF_SIZE: u32 = 176;
export const IF_COUNTER_COUNT: u32 = 16;
export const IF_NAME_FAILED: u32 = 0x80000000;
// Receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets
// errs drop fifo colls carrier compressed.
export const IFC_RX_BYTES: u32 = 0;
export const IFC_RX_PACKETS: u32 = 1;
export const IFC_RX_ERRS: u32 = 2;
export const IFC_RX_DROP: u32 = 3;
export const IFC_RX_FIFO: u32 = 4;
export const IFC_RX_FRAME: u32 = 5;
export const IFC_RX_COMPRESSED: u32 = 6;
export const IFC_RX_MULTICAST: u32 = 7;
export const IFC_TX_BYTES: u32 = 8;
export const IFC_TX_PACKETS: u32 = 9;
export const IFC_TX_ERRS: u32 = 10;
export const IFC_TX_DROP: u32 = 11;
export const IFC_TX_FIFO: u32 = 12;
export const IFC_TX_COLLS: u32 = 13;
export const IFC_TX_CARRIER: u32 = 14;
export const IFC_TX_COMPRESSED: u32 = 15;

// ---- Node record ---------------------------------------------------------------------
// Scalar fields have a bit number F_*; NODE_PRESENT has the bit set when the field was given
// by the node's last report of its section, NODE_FAILED when it was given but garbled.
// Absent is not zero: a reader checks the bit before the value.
export const NODE_SEQ: u32 = 0; // u32 sequence lock: odd while the record is being written
export const NODE_STATE: u32 = 4; // u32 NSTATE_* bits
export const NODE_NUMBER: u32 = 8; // i32 node number (-1: the master)
export const NODE_PRESENT: u32 = 16; // u64 F_* bits
export const NODE_FAILED: u32 = 24; // u64 F_* bits
export const NODE_TIME: u32 = 32; // f64 epoch ms of the last datagram received (master clock)
export const NODE_INSTANCE: u32 = 40; // u64 sender instance id
export const NODE_MSG_SEQ: u32 = 48; // u64 last datagram sequence number
export const NODE_SAMPLE_TIMES: u32 = 56; // 6 x f64 epoch ms (node clock) of each section's sample, by SEC_* index
export const NODE_INTERVAL_MS: u32 = 104; // u32 the node's reporting interval
export const NODE_USER_HZ: u32 = 108; // u32 clock ticks per second of the stat counters
export const NODE_ARCH: u32 = 112; // u32 architecture code (see the protocol)
export const NODE_ADDR: u32 = 120; // 16 bytes: IPv6 address, or IPv4-mapped (::ffff:a.b.c.d)
export const NODE_NAME: u32 = 136; // NODE_NAME_LEN bytes UTF-8 hostname, NUL-padded
export const NODE_NAME_LEN: u32 = 64;
export const NODE_CPU_COUNT: u32 = 200; // u32 CPUs listed by cpuinfo
export const NODE_MHZ: u32 = 204; // u32 kHz of the first CPU
export const NODE_LOAD: u32 = 208; // 3 x u32 load averages x 100
export const NODE_PROCS_ACTIVE: u32 = 220; // u32 runnable scheduling entities (loadavg 4th field, before '/')
export const NODE_PROCS_TOTAL: u32 = 224; // u32 scheduling entities (after '/')
export const NODE_LAST_PID: u32 = 228; // u32
export const NODE_MEM: u32 = 232; // MEM_FIELDS x u64 bytes, in MEM_* order
export const NODE_CTXT: u32 = 304; // u64
export const NODE_BTIME: u32 = 312; // u64 epoch seconds
export const NODE_PROCESSES: u32 = 320; // u64 forks since boot
export const NODE_PROCS_RUNNING: u32 = 328; // u32
export const NODE_PROCS_BLOCKED: u32 = 332; // u32
export const NODE_DISK_TOTAL: u32 = 336; // u64 bytes of the root filesystem
export const NODE_DISK_FREE: u32 = 344; // u64 bytes available to users
export const NODE_NET_RATE: u32 = 352; // f64 bytes/s received plus sent, all interfaces but lo
export const NODE_CPUS: u32 = 360; // extent of stat entries: u32 offset, u32 capacity, u32 count
export const NODE_CIS: u32 = 372; // extent of cpuinfo entries: u32 offset, u32 capacity, u32 count
export const NODE_IFS: u32 = 384; // extent of interface entries: u32 offset, u32 capacity, u32 count
export const NODE_CPU_TOTAL: u32 = 400; // CPU_SIZE bytes: the aggregate "cpu" line
export const NODE_MODELS: u32 = 496; // MODEL_SLOTS x MODEL_LEN bytes of CPU model names, NUL-padded
// An update's progress (see docs/protocol.md, "Applying a part"):
export const NODE_UPDATE: u32 = 752; // u32 id of the update being received
export const NODE_UPDATE_PARTS: u32 = 756; // u16 its part count
export const NODE_UPDATE_GOT: u32 = 758; // u16 parts of it received
export const NODE_UPDATE_SECTIONS: u32 = 760; // u16 SEC_* bits it carries
export const NODE_UPDATE_SPLIT: u32 = 762; // u16 SEC_* bits that came in several chunks (pruned when complete)
export const NODE_DOWN_AFTER: u32 = 764; // u32 ms after NODE_TIME when readers count the node down
export const NODE_NET_PENDING: u32 = 768; // u64 bytes counted so far for the rate of a split net/dev
export const NODE_NET_PREV_TIME: u32 = 776; // f64 sample time of the last complete net/dev (0: none)
export const NODE_SEQ_GAPS: u32 = 784; // u32 datagrams missing in the node's sequence numbers
export const NODE_UPDATES: u32 = 788; // u32 updates completed
export const NODE_SEND_TIME: u32 = 792; // f64 the sender's clock when it sent the last datagram
export const NODE_PART_BITS: u32 = 800; // MAX_PARTS bits: parts of the update received
export const NODE_CLOCK_OFFSET: u32 = 928; // f64 ms the node's clock is behind the master's (receive - send time)
export const NODE_REPLAY_BITS: u32 = 936; // REPLAY_WINDOW bits: bit i set = sequence NODE_MSG_SEQ - i seen
export const NODE_CPUINFO_GEN: u32 = 1000; // u32 +1 whenever the cpuinfo entries or model names change
export const NODE_SIZE: u32 = 1024; // bytes 1004 .. 1024 are reserved, zero
/** Sequence numbers a node may reorder by (half an update of MAX_PARTS): older than this behind its newest is a replay. */
export const REPLAY_WINDOW: u32 = 512;
/** The most datagrams one update may take. */
export const MAX_PARTS: u32 = 1024;
export const MODEL_SLOTS: u32 = 4;
export const MODEL_LEN: u32 = 64;
/** A CPU whose model is not among the first MODEL_SLOTS distinct ones. */
export const MODEL_OTHER: u32 = 0xfe;
export const MODEL_NONE: u32 = 0xff;

// An extent reference inside a record.
export const EXT_OFFSET: u32 = 0;
export const EXT_CAPACITY: u32 = 4;
export const EXT_COUNT: u32 = 8;

export const NSTATE_IN_USE: u32 = 1; // the record belongs to a node
export const NSTATE_INVALID: u32 = 2; // a write did not complete: do not trust the record
export const NSTATE_CPUS_CUT: u32 = 4; // the node's stat listed more CPUs than MAX_CPUS
export const NSTATE_IFS_CUT: u32 = 8; // the node listed more interfaces than MAX_IFACES
export const NSTATE_CIS_CUT: u32 = 16; // the node's cpuinfo listed more CPUs than MAX_CPUS
export const NSTATE_STALE: u32 = 32; // adopted from an earlier collector: down until the node reports again
export const NSTATE_CIS_PARTIAL: u32 = 64; // an update with cpuinfo ended with parts missing: the master asks for it again

// /proc/meminfo fields, in NODE_MEM order.
export const MEM_TOTAL: u32 = 0;
export const MEM_FREE: u32 = 1;
export const MEM_AVAILABLE: u32 = 2;
export const MEM_BUFFERS: u32 = 3;
export const MEM_CACHED: u32 = 4;
export const MEM_SWAP_CACHED: u32 = 5;
export const MEM_SWAP_TOTAL: u32 = 6;
export const MEM_SWAP_FREE: u32 = 7;
export const MEM_SHMEM: u32 = 8; // Shmem, or MemShared on 2.4 kernels
export const MEM_FIELDS: u32 = 9;

// Field bits of NODE_PRESENT / NODE_FAILED.
export const F_CPU_COUNT: u32 = 0;
export const F_MHZ: u32 = 1;
export const F_LOAD: u32 = 2; // three bits: 1, 5, 15 minutes
export const F_PROCS_ACTIVE: u32 = 5;
export const F_PROCS_TOTAL: u32 = 6;
export const F_LAST_PID: u32 = 7;
export const F_MEM: u32 = 8; // MEM_FIELDS bits, in MEM_* order
export const F_CTXT: u32 = 17;
export const F_BTIME: u32 = 18;
export const F_PROCESSES: u32 = 19;
export const F_PROCS_RUNNING: u32 = 20;
export const F_PROCS_BLOCKED: u32 = 21;
export const F_CPU_TOTAL: u32 = 22; // the aggregate "cpu" line was given (its columns have their own bits)
export const F_DISK: u32 = 23; // two bits: total, free
export const F_NET_RATE: u32 = 25;
export const F_NAME: u32 = 26;
export const F_ADDR: u32 = 27;
export const F_INSTANCE: u32 = 28;
export const F_USER_HZ: u32 = 29;
export const F_ARCH: u32 = 30;
export const F_INTERVAL: u32 = 31;
/** Bits 32 + SEC_*: the node has reported that section. */
export const F_SECTION: u32 = 32;

// Sections: the files a node reports, each parsed and committed as a whole.
export const SEC_CPUINFO: u32 = 0;
export const SEC_MEMINFO: u32 = 1;
export const SEC_LOADAVG: u32 = 2;
export const SEC_NETDEV: u32 = 3;
export const SEC_STAT: u32 = 4;
export const SEC_STATFS: u32 = 5;
export const SECTIONS: u32 = 6;

// The field bits each section owns: a new report of a section replaces exactly these.
export const SECMASK_CPUINFO: u64 = (1 << F_CPU_COUNT) | (1 << F_MHZ) | (<u64>1 << (F_SECTION + SEC_CPUINFO));
export const SECMASK_MEMINFO: u64 = (<u64>((1 << MEM_FIELDS) - 1) << F_MEM) | (<u64>1 << (F_SECTION + SEC_MEMINFO));
export const SECMASK_LOADAVG: u64 =
  (<u64>7 << F_LOAD) | (1 << F_PROCS_ACTIVE) | (1 << F_PROCS_TOTAL) | (1 << F_LAST_PID) | (<u64>1 << (F_SECTION + SEC_LOADAVG));
export const SECMASK_NETDEV: u64 = (<u64>1 << F_NET_RATE) | (<u64>1 << (F_SECTION + SEC_NETDEV));
export const SECMASK_STAT: u64 =
  (<u64>1 << F_CTXT) | (<u64>1 << F_BTIME) | (<u64>1 << F_PROCESSES) | (<u64>1 << F_PROCS_RUNNING) |
  (<u64>1 << F_PROCS_BLOCKED) | (<u64>1 << F_CPU_TOTAL) | (<u64>1 << (F_SECTION + SEC_STAT));
export const SECMASK_STATFS: u64 = (<u64>3 << F_DISK) | (<u64>1 << (F_SECTION + SEC_STATFS));
/** The identity fields a datagram's header carries (name, address, instance, rates). */
export const META_MASK: u64 =
  (<u64>1 << F_NAME) | (<u64>1 << F_ADDR) | (<u64>1 << F_INSTANCE) | (<u64>1 << F_USER_HZ) | (<u64>1 << F_ARCH) |
  (<u64>1 << F_INTERVAL);
/** commit() flag, beside the 1 << SEC_* bits: also copy the identity fields and NODE_TIME. */
export const COMMIT_META: u32 = 1 << 8;

// ---- The parse record ------------------------------------------------------------------
// Parsers write into a parse record: a node record followed by arrays wide enough for any
// node (MAX_CPUS, MAX_IFACES), so that parsing never allocates. The table's commit then
// copies a parsed section into the node's own record and extents, sized to what it has.
// In a parse record, the extent references hold counts only; the arrays are at PR_*.
export const PR_CPUS: u32 = NODE_SIZE;
export const PR_CIS: u32 = PR_CPUS + MAX_CPUS * CPU_SIZE;
export const PR_IFS: u32 = PR_CIS + MAX_CPUS * CI_SIZE;
export const PR_SIZE: u32 = PR_IFS + MAX_IFACES * IF_SIZE;

// ---- Wire protocol v1 (docs/protocol.md) -------------------------------------------------
/** "BSTW" read as little-endian u32: the first four bytes of every datagram. */
export const WIRE_MAGIC: u32 = 0x57545342;
export const WIRE_VERSION: u32 = 1;
export const W_MAGIC: u32 = 0; // u32
export const W_VERSION: u32 = 4; // u8
export const W_TYPE: u32 = 5; // u8 WT_*
export const W_FLAGS: u32 = 6; // u16 WF_*
export const W_KEY_ID: u32 = 8; // u16
export const W_HEADER_LEN: u32 = 10; // u16
export const W_INSTANCE: u32 = 16; // u64
export const W_SEQ: u32 = 24; // u64
export const W_COMMON_LEN: u32 = 32;
export const WT_STATUS: u32 = 1;
export const WT_REQUEST: u32 = 2;
export const WF_AUTH: u32 = 1;
export const W_TAG_LEN: u32 = 32;
// status
export const W_NODE: u32 = 32; // i32
export const W_UPDATE: u32 = 36; // u32
export const W_PART: u32 = 40; // u16
export const W_PARTS: u32 = 42; // u16
export const W_UPDATE_SECTIONS: u32 = 44; // u16
export const W_USER_HZ: u32 = 46; // u16
export const W_INTERVAL: u32 = 48; // u32 ms
export const W_CPUS: u32 = 52; // u32
export const W_CIS: u32 = 56; // u32
export const W_IFACES: u32 = 60; // u32
export const W_SEND_TIME: u32 = 64; // f64
export const W_ARCH: u32 = 72; // u8
export const W_NSECTIONS: u32 = 73; // u8
export const W_HOSTNAME: u32 = 76; // NODE_NAME_LEN bytes
export const W_STATUS_LEN: u32 = 144;
/** The node number of a datagram whose sender has none: the master maps its address (--iprange). */
export const NODE_UNSET: i32 = 0x7fffffff;
// section
export const WS_SECTION: u32 = 0; // u8 SEC_*
export const WS_FLAGS: u32 = 1; // u8 WSF_*
export const WS_LENGTH: u32 = 2; // u16
export const WS_TIME: u32 = 8; // f64
export const WS_HEADER_LEN: u32 = 16;
export const WSF_FIRST: u32 = 1;
export const WSF_LAST: u32 = 2;
// request
export const W_TARGET: u32 = 32; // u8 WTG_*
export const W_REQ_FLAGS: u32 = 33; // u8 WRF_*
export const W_FIRST: u32 = 36; // i32
export const W_LAST: u32 = 40; // i32
export const W_NEW_INTERVAL: u32 = 44; // u32 ms
export const W_REQ_TIME: u32 = 48; // f64
export const W_REQUEST_LEN: u32 = 56;
export const WTG_ALL: u32 = 0;
export const WTG_ONE: u32 = 1;
export const WTG_RANGE: u32 = 2;
export const WRF_FULL: u32 = 1;

// Architecture codes (W_ARCH, NODE_ARCH).
export const ARCH_OTHER: u32 = 0;
export const ARCH_X86_64: u32 = 1;
export const ARCH_I386: u32 = 2;
export const ARCH_AARCH64: u32 = 3;
export const ARCH_ARM: u32 = 4;
export const ARCH_PPC64: u32 = 5;
export const ARCH_S390X: u32 = 6;
export const ARCH_RISCV64: u32 = 7;
export const ARCH_LOONGARCH64: u32 = 8;
export const ARCH_MIPS: u32 = 9;

// Counters (TABLE_COUNTERS + 8 x C_*). A datagram is received, then accepted or rejected
// for exactly one reason (C_REJECT + R_*).
export const C_RECEIVED: u32 = 0;
export const C_ACCEPTED: u32 = 1;
export const C_KERNEL_DROPS: u32 = 2; // the socket's drops column in /proc/net/udp
export const C_SEQ_GAPS: u32 = 3; // datagrams missing from nodes' sequence numbers
export const C_TRAPS: u32 = 4; // WASM traps survived
export const C_CONFLICTS: u32 = 5; // datagrams of an older instance for a node number a newer one holds
export const C_REQUESTS: u32 = 6; // requests multicast
export const C_UPDATES: u32 = 7; // updates completed
export const C_BAD_SECTIONS: u32 = 8; // sections with a garbled field (applied, the field marked failed)
export const C_REORDERED: u32 = 9; // datagrams that arrived after a later one of the same sender
export const C_LIMITS: u32 = 10; // sections cut at --max-cpus / --max-ifaces (or the table full)
export const C_CLOCK_JUMPS: u32 = 11; // datagrams whose sender's clock moved by more than a second against the master's
export const C_REJECT: u32 = 16; // + R_*
export const R_SHORT: u32 = 1;
export const R_MAGIC: u32 = 2;
export const R_VERSION: u32 = 3;
export const R_TYPE: u32 = 4;
export const R_FLAGS: u32 = 5;
export const R_HEADER_LEN: u32 = 6;
export const R_PART: u32 = 7;
export const R_SECTION: u32 = 8;
export const R_SECTION_LEN: u32 = 9;
export const R_TRAILING: u32 = 10;
export const R_AUTH: u32 = 11; // a tag that does not match
export const R_NODE: u32 = 12; // no node number and no --iprange, outside --iprange, or beyond --max-nodes
export const R_STALE_INSTANCE: u32 = 13; // an older instance of a node (also counted in C_CONFLICTS)
export const R_DUPLICATE: u32 = 14; // a datagram or part received already
export const R_STALE_UPDATE: u32 = 15; // a part of an update older than the one in progress
export const R_NO_SPACE: u32 = 16; // the table is full
export const R_REPLAY: u32 = 17; // a sequence number seen already, or older than the replay window
export const R_SOURCE: u32 = 18; // a sender outside --allow
export const R_TOO_LARGE: u32 = 19; // a datagram larger than the input buffer
export const R_NO_AUTH: u32 = 20; // no tag, where --auth required
export const R_UNKNOWN_KEY: u32 = 21; // a key id not in the key file
export const R_KEY_SCOPE: u32 = 22; // a key that may not speak for this node
export const R_SKEW: u32 = 23; // a send time further from the master's clock than --max-skew
export const REASONS: u32 = 24;

// The prose of the manual pages (DESCRIPTION, more on some options, FILES, SIGNALS, EXIT
// STATUS, SEE ALSO), one object per program; NAME, SYNOPSIS and the option list come from
// each program's spec (src/<program>.ts). Keep it in step with README.md and docs/.
// Markup: see PageText in render.ts.

import { PROGRAM as beostat } from "../../src/beostat";
import { PROGRAM as beostatus } from "../../src/beostatus";
import type { Program } from "../../src/args";
import { PROGRAM as recvstats } from "../../src/recvstats";
import { PROGRAM as sendstats } from "../../src/sendstats";
import type { PageText } from "./render";

const DAEMON_EXIT: PageText["exitStatus"] = [
  ["0", "`-h` or `-v`; stopped by SIGTERM or SIGINT; without `-d`, the daemon started and is running (the parent exits once the detached child is ready)."],
  ["1", "A runtime failure, told in one line on stderr: an unknown interface or one without IPv4, a port in use, a pid file held by a running copy, a log file that cannot be opened. Without `-d` the parent prints the child's error."],
  ["2", "A usage error: an unknown option, a missing or malformed value; the usage follows on stderr."],
];

/** The key file's format and rules (src/auth.ts), the same for both daemons. */
const KEY_FILE = "One key per line: its id (1-65535), the key in hexadecimal (at least 32 bytes), and optionally the nodes it may speak for (`N` or `FIRST-LAST`); `#` starts a comment. The file must be a regular file, owned by this account or root, that group and others cannot read (`chmod 600`). SIGHUP re-reads it (a bad file leaves the old keys in use). Datagrams are also checked against replays: per node, its newest instance and a window of its 512 latest sequence numbers. *docs/security.md* in the package gives the threat model, the key schemes (per cluster, rack or node) and how to rotate keys.";

/** FILES rows of a daemon's pid file and log. */
const daemonFiles = (program: string): PageText["files"] => [
  [`/var/run/${program}.pid`, "The pid of the daemon (`--pidfile`), removed when it stops."],
  [`/var/log/${program}.log`, "Its log (`--log`) when not run with `-d`."],
];

/** The SIGHUP row of both daemons. */
const SIGHUP: [string, string] = ["SIGHUP", "Reopen the log file, after logrotate moved it, and re-read the key file (`--key-file`)."];

const RECVSTATS: PageText = {
  section: 8,
  summary: "collect the status of the cluster's nodes and publish it in /var/shm",
  description: [
    "`recvstats` is the master daemon of Beostat, the cluster status subsystem of Scyld ClusterWare, rebuilt. Every compute node runs `sendstats`(8), which sends the node's *cpuinfo*, *meminfo*, *loadavg*, *net/dev* and *stat* from */proc* as UDP datagrams; `recvstats` receives them on the status port (3040, `-p`), has its WebAssembly core check and parse the */proc* text, merges each node's split updates, and publishes the status of every node in one shared-memory file, *DIR/beostat* (`--shm-dir`, default */var/shm*), which `beostat`(1), schedulers and other tools read without locks.",
    "With `-i IF`, recvstats joins the multicast status group (239.255.11.224, `-g`) on the IPv4 address of interface `IF` and multicasts its requests for fresh updates there, to port `PORT`+1: at start, every `--request-interval` seconds, and to a node that appears without its cpuinfo. Unicast status arrives from any interface. Without `-i`, recvstats joins no group and sends no requests, so nothing leaves by an unintended interface.",
    "A datagram carries the sender's node number (`sendstats -n`), or none: then `--iprange` numbers the node by its address. A node is down after `--down-after` seconds without a datagram (default: three of its own reporting intervals). Datagrams that are malformed, come from an address outside `--iprange` or from a node out of range are dropped and counted in the file's header, and the log summarises them once a minute rather than once per datagram.",
    "The status file is created mode 0644 whatever the umask: it must be world readable, since every account's tools read it. A missing directory is created mode 1777; recvstats warns about a directory others cannot read. In that world-writable directory it never follows a symbolic link nor writes through a hard link planted under the file's name, and never continues a file that is not its own (another owner, no status table): such a file is left alone and replaced by a new one, made under a name of its own and renamed over it. A restart continues the file in place (nodes are shown stale until they report again), so readers that keep it mapped never see the cluster blank. */var/shm* should be memory-backed (a tmpfs): recvstats writes the file through a shared mapping all the time, and on a disk filesystem those pages are written back to disk over and over.",
    "Without `-d`, recvstats detaches: it starts a copy of itself in the background and exits 0 once that copy is listening and publishing, or prints its error and exits 1, so that an init script reports the truth. The daemon writes its pid to `--pidfile` (default */var/run/recvstats.pid*) and logs to `--log` (default */var/log/recvstats.log*). With `-d` (the original's debug flag) it stays in the foreground, logs to stderr and writes no pid file unless `--pidfile` is given: the way to run it under systemd.",
  ],
  details: {
    interface: "An interface that does not exist, or has no IPv4 address, is an error that lists the interfaces there are.",
    "shm-dir": "The file is *DIR/beostat*; readers (`beostat --shm-dir`) must be given the same directory.",
    iprange: "Addresses are IPv4, e.g. `--iprange 10.54.0.1-10.54.0.254`. Without it, a datagram without a node number is dropped and counted.",
    "key-file": "With keys, recvstats accepts a datagram only with a good HMAC-SHA-256 tag under a key that covers the sending node (unless `--auth off`), and signs its requests with the newest key that covers the master (`-1`). " + KEY_FILE,
  },
  files: [
    ["/var/shm/beostat", "The status of every node (`--shm-dir`); its format is in docs/shm-format.md of the package."],
    ...daemonFiles("recvstats"),
    ["/etc/sysconfig/recvstats", "Settings of the init script and the systemd unit (or */etc/default/recvstats*): `IF`, the interface, and `OPTIONS`, more options."],
  ],
  signals: [
    ["SIGTERM, SIGINT", "Stop cleanly: the status file is marked stopped, so that readers take every node for down, and the pid file is removed; exit status 0."],
    SIGHUP,
  ],
  exitStatus: DAEMON_EXIT,
  seeAlso: ["sendstats(8)", "beostat(1)", "beostatus(1)", "systemd.service(5)"],
};

const SENDSTATS: PageText = {
  section: 8,
  summary: "send this node's status to the cluster master",
  description: [
    "`sendstats` is the node agent of Beostat. Every `-r` seconds (default 5) it reads *cpuinfo*, *meminfo*, *loadavg*, *net/dev* and *stat* from */proc* (or from a copy under `--proc-root`) and sends them as UDP datagrams to `recvstats`(8) on the master: by multicast to the status group (239.255.11.224, `-g`) on interface `IF` (`-i`), and/or by unicast to each master named with `--to`. Multicast needs `-i`; without it sendstats sends unicast only.",
    "`-n` gives the node's number (`-1` is the master); without it the master numbers the node by its address (`recvstats --iprange`). Only the lines recvstats parses are sent (never *flags*, *bugs* or *intr*), split so that no datagram exceeds `--mtu` bytes (default 1472, a 1500-byte Ethernet frame); a node of 480 CPUs takes 72 datagrams. cpuinfo is sent at start, on request, when the CPUs in stat change, and every 5 minutes. `--statfs PATH` adds the size and free space of that filesystem (default */*, none with `--proc-root`).",
    "The master's requests for updates arrive on port `PORT`+1; sendstats answers after a random delay of up to max(1 s, `N`/10,000 s) for a cluster of `N` nodes, so that a large cluster does not answer in one burst. `--once` sends one full update and exits.",
    "Without `-d`, sendstats detaches: it starts a copy of itself in the background and exits 0 once that copy runs, or prints its error and exits 1. The daemon writes its pid to `--pidfile` (default */var/run/sendstats.pid*) and logs to `--log` (default */var/log/sendstats.log*). With `-d` it stays in the foreground, logs to stderr and writes no pid file unless `--pidfile` is given.",
  ],
  details: {
    interface: "An interface that does not exist, or has no IPv4 address, is an error that lists the interfaces there are.",
    to: "`HOST` is an IPv4 address or a name; `PORT` defaults to the status port (`-p`).",
    "proc-root": "Used to replay captured */proc* files, as the tests and the demo do.",
    "key-file": "With keys, sendstats signs its datagrams with the newest key that covers its node (`-n`) and ignores requests without a good tag (unless `--auth off`). " + KEY_FILE,
    "state-file": "Requests of the master are also checked against replays: its newest instance and a window of its 64 latest requests. With a key file (and not `--auth off`), sendstats writes that instance and the newest request sequence it accepted to `FILE` each time it accepts a request (a new file, mode 0600, renamed over the old; its directory made mode 0700 when missing), and reads it at start, so that a request recorded before a restart is ignored after it too. `none` keeps them in memory only. A file that is not sendstats' own (a symbolic link, a second hard link, another owner), holds garbage, or a directory that cannot be written only warns: sendstats runs on with the window in memory. The master's instance is its start time: if its clock was set back before the time recorded here, the node ignores its requests (and says so; status still flows) until the file is removed and sendstats restarted.",
  },
  files: [
    ["/proc/cpuinfo, /proc/meminfo, /proc/loadavg, /proc/net/dev, /proc/stat", "What is sent."],
    ["/var/lib/sendstats/requests", "The master's last request accepted (`--state-file`), with a key file."],
    ...daemonFiles("sendstats"),
    ["/etc/sysconfig/sendstats", "Settings of the init script and the systemd unit (or */etc/default/sendstats*): `IF`, the interface, and `OPTIONS`, more options (`-n`, `--to`, `-r`)."],
  ],
  signals: [
    ["SIGTERM, SIGINT", "Stop cleanly and remove the pid file; exit status 0."],
    SIGHUP,
  ],
  exitStatus: DAEMON_EXIT,
  seeAlso: ["recvstats(8)", "beostat(1)", "beostatus(1)", "proc(5)"],
};

const BEOSTAT: PageText = {
  section: 1,
  summary: "show the status of the cluster's nodes",
  description: [
    "`beostat` shows what `recvstats`(8) publishes in *DIR/beostat* (`--shm-dir`, default */var/shm*): the master and every node, or only node `N` (`--node`). `-C`, `-M`, `-L`, `-N` and `-S` select cpuinfo, meminfo, loadavg, net/dev and stat; without any, all are shown. It reads the file without locks and needs no privileges: the file is world readable.",
    "With `--proc-root DIR`, beostat shows one machine's */proc* files (or a copy of them under `DIR`) parsed by the same WebAssembly core that recvstats uses, as node `-1`.",
    "`--json` prints an array with one object per node in ascending order. Data a node did not send is `null`, never omitted and never a made-up zero; counters above 2^53 are printed as exact integers; fields a node sent garbled are `null` and listed by path in `failed`.",
  ],
  files: [["/var/shm/beostat", "The status of every node, written by recvstats(8) (`--shm-dir`)."]],
  exitStatus: [
    ["0", "The status was shown (an empty list when the file has no node yet), or `-h`, `-v`."],
    ["1", "A runtime failure, told in one line on stderr: no status file (is recvstats running?), a file of another layout version, nothing to read under `--proc-root`."],
    ["2", "A usage error: an unknown option, a malformed value, both `--shm-dir` and `--proc-root`."],
  ],
  seeAlso: ["recvstats(8)", "sendstats(8)", "beostatus(1)"],
};

const BEOSTATUS: PageText = {
  section: 1,
  summary: "show the cluster's nodes as a text view, a web page and Prometheus metrics",
  description: [
    "`beostatus` shows what `recvstats`(8) publishes in *DIR/beostat* (`--shm-dir`, default */var/shm*), as the original beostatus did: per node its CPU utilisation, memory, swap, load, disk and network rate.",
    "With `-c`, a full-screen text view refreshes every second: one row per node (its number, up or down, a CPU bar, or one bar per CPU when they fit, memory, swap, load, disk, network rate), down nodes greyed with the age of their last report; it fits the terminal's width, `q` quits, and `NO_COLOR` turns colours off. `-c --once` prints one frame and exits (`--width N` lays it out for N columns), for scripts.",
    "With `--http [ADDR:]PORT` (the default, 127.0.0.1:3042), it serves a web page that needs no other network resource: a classic table of bar graphs, a dots view for thousands of nodes (one cell per node, coloured by CPU, memory or network, with details on hover), a page per node with history charts, and a packet inspector that decodes pasted hex dumps (`xxd`, `xxd -p`) or pcap captures of sendstats datagrams with the same WebAssembly decoder as recvstats. `/snapshot` serves a compact summary per node, `/snapshot?node=N` (or `FIRST-LAST`) whole records, each read under the records' sequence locks.",
    "`/metrics` serves the same snapshot in the Prometheus text format: `beostat_node_up`, the age of each node's last update, memory, load, disk, network counters and CPU seconds by mode per node, labelled `node` and `name`, and recvstats' own counters; per-CPU series only with `--per-cpu-metrics`.",
  ],
  files: [["/var/shm/beostat", "The status of every node, written by recvstats(8) (`--shm-dir`)."]],
  exitStatus: [
    ["0", "`q` in the text view, one frame printed with `--once`, `-h` or `-v`; stopped by SIGTERM or SIGINT."],
    ["1", "A runtime failure, told in one line on stderr: no status file (is recvstats running?), an address or port that cannot be served."],
    ["2", "A usage error: an unknown option, a malformed value, options that exclude each other."],
  ],
  seeAlso: ["beostat(1)", "recvstats(8)", "sendstats(8)"],
};

/** Every page: its file under man/, the program it documents and its prose. */
export const PAGES: ReadonlyArray<{ file: string; program: Program; text: PageText }> = [
  { file: "recvstats.8", program: recvstats, text: RECVSTATS },
  { file: "sendstats.8", program: sendstats, text: SENDSTATS },
  { file: "beostat.1", program: beostat, text: BEOSTAT },
  { file: "beostatus.1", program: beostatus, text: BEOSTATUS },
];

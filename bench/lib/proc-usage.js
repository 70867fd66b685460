'use strict';
/**
 * CPU time and memory of a process, read from Linux's /proc (the worker child of the idle scenario).
 * /proc/<pid>/stat fields 14 and 15 are user and system CPU time in clock ticks; /proc/<pid>/status
 * VmHWM is the peak resident set size ("high water mark") and VmRSS the current one, in kB.
 */
const { readFileSync, readdirSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields 4 (ppid), 14-15 (own user + system time) and 16-17 (reaped children's) of /proc/<pid>/stat, in seconds. */
function statTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces: split after its last ')'.
  // fields[0] is then field 3 (state): field 4 is fields[1], fields 14-17 are fields[11..14].
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = clockTicks();
  return {
    ppid: Number(fields[1]),
    self: (Number(fields[11]) + Number(fields[12])) / tick,
    children: (Number(fields[13]) + Number(fields[14])) / tick,
  };
}

/** User + system CPU seconds the process has used so far. */
function cpuSeconds(pid) {
  return statTimes(pid).self;
}

/** { peakRssMb, rssMb } from /proc/<pid>/status. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : null;
  };
  const mb = (v) => (v == null ? null : v / 1024);
  return { peakRssMb: mb(kb('VmHWM')), rssMb: mb(kb('VmRSS')) };
}

/**
 * The processes of one PostgreSQL server (its postmaster `postmaster` and the backends, WAL writer,
 * checkpointer and autovacuum it started) with their CPU times, for postgresCpuSeconds(); without
 * `postmaster`, every process named "postgres" on this machine. Other servers on the machine (e.g. a
 * Babelfish, which is a PostgreSQL too) must not count. Null where /proc is not readable (not Linux).
 */
function postgresCpuSnapshot(postmaster) {
  let pids;
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return null;
  }
  const snapshot = new Map();
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const times = statTimes(pid);
      if (postmaster !== undefined && Number(pid) !== postmaster && times.ppid !== postmaster) continue;
      snapshot.set(Number(pid), times);
    } catch {
      // the process ended while we read it
    }
  }
  return snapshot;
}

/**
 * CPU seconds PostgreSQL used between two snapshots. Processes come and go in between: a backend
 * that exits has its CPU added to its postmaster's reaped-children time, so its whole life is in the
 * postmaster's delta, and what it had used before the first snapshot is taken off again; a process
 * that started in between counts in full; a whole server that stopped in between (its postmaster
 * gone too) counts for nothing, instead of making the sum go down.
 */
function postgresCpuSeconds(from, to) {
  let total = 0;
  for (const [pid, now] of to) {
    const then = from.get(pid);
    total += now.self + now.children - (then ? then.self + then.children : 0);
  }
  for (const [pid, then] of from) {
    if (!to.has(pid) && to.has(then.ppid)) total -= then.self + then.children;
  }
  return total;
}

/**
 * The postmaster pid of the PostgreSQL server at `url` when it runs on this machine (the parent of the
 * backend serving this connection), else undefined.
 */
async function postmasterPid(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
    return statTimes(rows[0].pid).ppid;
  } catch {
    return undefined; // not local, or /proc not readable
  } finally {
    await client.end();
  }
}

module.exports = { cpuSeconds, memory, postgresCpuSnapshot, postgresCpuSeconds, postmasterPid };

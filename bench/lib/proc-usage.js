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

/** User + system CPU seconds the process has used so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces: split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 14 is fields[11] and field 15 is fields[12].
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
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
 * CPU seconds used so far by every PostgreSQL process on this machine (command name "postgres": the
 * postmaster, backends, WAL writer, checkpointer, autovacuum). Backends that exit between two readings
 * drop out of the sum, so readings are taken while a contender's connections stay open (its drain).
 * Null where /proc is not readable (not Linux).
 */
function postgresCpuSeconds() {
  let pids;
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return null;
  }
  let total = 0;
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += cpuSeconds(pid);
    } catch {
      // the process ended while we read it
    }
  }
  return total;
}

module.exports = { cpuSeconds, memory, postgresCpuSeconds };

// What the machine was doing, tenth of a second by tenth of a second, so a benchmark's slow moments can be
// set beside it: how many tasks wanted a core, and whose CPU each tenth went to (the API, the benchmark's
// own clients, the PostgreSQL backends, autovacuum, the checkpointer and other PostgreSQL helpers, anything
// else). Read from /proc only; it asks nothing of the processes it watches.
import { readdirSync, readFileSync } from 'node:fs';

export interface MachineSample {
  /** performance.now() at the end of the tenth. */
  at: number;
  /** Tasks running or runnable, sampled at the end of the tenth (/proc/stat procs_running). */
  runnable: number;
  /** CPU seconds spent in the tenth, by whom. */
  cpu: Record<'api' | 'clients' | 'backends' | 'autovacuum' | 'checkpointer' | 'postgresOther' | 'other', number>;
}

const TICKS_PER_SECOND = 100;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far; 0 once it has ended. */
export function cpuSeconds(pid: number): number {
  return ticksOf(String(pid)) / 100;
}

/** CPU seconds used so far by every process whose command name matches (e.g. PostgreSQL's backends). */
export function cpuOf(command: RegExp): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && command.test(read(`/proc/${entry}/comm`)?.trim() ?? '')) total += cpuSeconds(Number(entry));
  }
  return total;
}

function ticksOf(pid: string): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function machineTicks(): { busy: number; runnable: number } {
  const stat = read('/proc/stat') ?? '';
  const cpu = stat.split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
  const busy = cpu.reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + (value || 0)), 0);
  const runnable = Number(/procs_running (\d+)/.exec(stat)?.[1] ?? 0);
  return { busy, runnable };
}

type Role = keyof MachineSample['cpu'];

function roleOf(pid: string, apiPid: number, database: string): Role | null {
  if (Number(pid) === apiPid) return 'api';
  if (Number(pid) === process.pid) return 'clients';
  const command = read(`/proc/${pid}/cmdline`);
  if (!command?.startsWith('postgres')) return null;
  if (command.includes('autovacuum worker')) return 'autovacuum';
  if (command.includes('checkpointer') || command.includes('background writer') || command.includes('walwriter')) return 'checkpointer';
  if (command.includes(` ${database} `)) return 'backends';
  return 'postgresOther';
}

/** Samples every `everyMs` until stopped; `stop()` returns the samples. */
export function watchMachine(options: { apiPid: number; database: string; everyMs?: number }): { stop: () => MachineSample[] } {
  const samples: MachineSample[] = [];
  let previousProcess = new Map<string, number>();
  let previousMachine = machineTicks().busy;
  const sample = () => {
    const now = new Map<string, number>();
    const cpu: MachineSample['cpu'] = { api: 0, clients: 0, backends: 0, autovacuum: 0, checkpointer: 0, postgresOther: 0, other: 0 };
    let attributed = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const role = roleOf(pid, options.apiPid, options.database);
      if (!role) continue;
      const ticks = ticksOf(pid);
      now.set(pid, ticks);
      // A process first seen in this tenth counts from zero only if it is new (an autovacuum worker).
      const spent = ticks - (previousProcess.get(pid) ?? (samples.length === 0 ? ticks : 0));
      cpu[role] += spent / TICKS_PER_SECOND;
      attributed += spent;
    }
    const machine = machineTicks();
    cpu.other = Math.max(0, machine.busy - previousMachine - attributed) / TICKS_PER_SECOND;
    previousMachine = machine.busy;
    previousProcess = now;
    samples.push({ at: performance.now(), runnable: machine.runnable, cpu });
  };
  sample();
  const timer = setInterval(sample, options.everyMs ?? 100);
  return {
    stop: () => {
      clearInterval(timer);
      return samples.slice(1);
    },
  };
}

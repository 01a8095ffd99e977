/**
 * Progress on stderr, built only from the harness's events: a cli-progress bar per phase on a
 * terminal, one plain line per phase otherwise (a run in the background writes a readable log).
 * It never touches the measurements.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { HarnessEvent, HarnessListener } from './events.ts';

/** A listener that draws the events, and `stop()` to end the last bar. */
export interface Progress {
  listener: HarnessListener;
  stop(): void;
}

/** Bars on a TTY, lines elsewhere. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? bars(stream) : lines(stream);
}

const runLine = (e: Extract<HarnessEvent, { type: 'run' }>) => `▶ [${e.index + 1}/${e.total}] ${e.label}`;

function bars(stream: NodeJS.WriteStream): Progress {
  const multi = new MultiBar(
    {
      stream,
      format: ' {bar} {value}/{total} {unit}  {name}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    },
    Presets.shades_classic,
  );
  let bar: SingleBar | undefined;
  let phase: { name: string; started: number } | undefined;
  const finish = () => {
    if (!bar || !phase) return;
    multi.remove(bar);
    multi.log(`  ✓ ${phase.name} (${((performance.now() - phase.started) / 1000).toFixed(1)} s)\n`);
    bar = undefined;
    phase = undefined;
  };
  return {
    listener(e) {
      switch (e.type) {
        case 'run':
          finish();
          multi.log(`${runLine(e)}\n`);
          return;
        case 'phase':
          finish();
          phase = { name: e.name, started: performance.now() };
          bar = multi.create(Math.max(1, e.total), 0, { name: e.name, unit: e.unit });
          return;
        case 'tick':
          bar?.update(e.value);
          return;
        case 'note':
          multi.log(`  ! ${e.message}\n`);
          return;
      }
    },
    stop() {
      finish();
      multi.stop();
    },
  };
}

function lines(stream: NodeJS.WriteStream): Progress {
  let phase: { name: string; started: number } | undefined;
  const finish = () => {
    if (!phase) return;
    stream.write(`  ✓ ${phase.name} (${((performance.now() - phase.started) / 1000).toFixed(1)} s)\n`);
    phase = undefined;
  };
  return {
    listener(e) {
      if (e.type === 'run') {
        finish();
        stream.write(`${runLine(e)}\n`);
      } else if (e.type === 'phase') {
        finish();
        phase = { name: e.name, started: performance.now() };
      } else if (e.type === 'note') {
        stream.write(`  ! ${e.message}\n`);
      }
    },
    stop: finish,
  };
}

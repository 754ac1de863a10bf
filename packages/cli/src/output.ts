/**
 * What `weft` prints: status lines on stderr (data such as `--export` goes to stdout), coloured
 * and with live progress on a terminal, plain lines when piped or when NO_COLOR is set.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

export interface OutputOptions {
  stream?: NodeJS.WriteStream;
  env?: Record<string, string | undefined>;
}

export class Output {
  readonly stream: NodeJS.WriteStream;
  /** A terminal that takes colour and cursor movement. */
  readonly live: boolean;

  constructor(options: OutputOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    const env = options.env ?? process.env;
    this.live = Boolean(this.stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb' && !env.CI;
  }

  #paint(style: Style, text: string): string {
    return this.live ? styleText(style, text, { validateStream: false }) : text;
  }

  #line(mark: string, style: Style, text: string): void {
    this.stream.write(`${this.#paint(style, mark)} ${text}\n`);
  }

  step(text: string): void {
    this.#line('►', 'blue', text);
  }
  ok(text: string): void {
    this.#line('✔', 'green', text);
  }
  fail(text: string): void {
    this.#line('✗', 'red', text);
  }
  warn(text: string): void {
    this.#line('⚠', 'yellow', text);
  }

  /**
   * Lines that change while something is awaited: redrawn in place on a terminal (with a
   * spinner), printed once per change when piped.
   */
  board(labels: readonly string[]): Board {
    return new Board(this, labels);
  }
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Board {
  readonly #output: Output;
  readonly #rows: Map<string, { text: string; state: 'wait' | 'ok' | 'fail' }>;
  #frame = 0;
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(output: Output, labels: readonly string[]) {
    this.#output = output;
    this.#rows = new Map(labels.map((label) => [label, { text: 'waiting', state: 'wait' as const }]));
    if (output.live) {
      this.#draw();
      this.#timer = setInterval(() => this.#draw(), 100);
      this.#timer.unref();
    }
  }

  set(label: string, text: string, state: 'wait' | 'ok' | 'fail' = 'wait'): void {
    const row = this.#rows.get(label);
    if (!row || (row.text === text && row.state === state)) return;
    row.text = text;
    row.state = state;
    if (this.#output.live) this.#draw();
    else if (state === 'ok') this.#output.ok(`${label}: ${text}`);
    else if (state === 'fail') this.#output.fail(`${label}: ${text}`);
    else this.#output.stream.write(`  ${label}: ${text}\n`);
  }

  #draw(): void {
    const stream = this.#output.stream;
    this.#frame = (this.#frame + 1) % spinner.length;
    let text = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
    for (const [label, row] of this.#rows) {
      const mark =
        row.state === 'ok'
          ? styleText('green', '✔', { validateStream: false })
          : row.state === 'fail'
            ? styleText('red', '✗', { validateStream: false })
            : styleText('cyan', spinner[this.#frame] ?? '-', { validateStream: false });
      text += `\x1b[2K${mark} ${label}: ${row.text}\n`;
    }
    this.#drawn = this.#rows.size;
    stream.write(text);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#output.live) this.#draw();
  }
}

import type { TranscriptEntry } from '../../domain/transcript.js';
import { offset } from './format.js';

/** Longer texts show their start and fold the rest behind "show more" (run.js builds the same). */
export const FOLD_CHARS = 600;

export function Entry(props: { entry: TranscriptEntry; startedAt: number }) {
  const { entry } = props;
  return (
    <li class={`entry kind-${entry.kind}`} data-seq={String(entry.seq)}>
      <time>{offset(entry.at - props.startedAt)}</time>
      <span class="kind">{entry.kind}</span>
      <div class="body">
        <Folded text={entry.text} />
        {entry.detail !== undefined && (
          <details class="detail">
            <summary>{detailLabel(entry)}</summary>
            <pre>{entry.detail}</pre>
          </details>
        )}
      </div>
    </li>
  );
}

function Folded(props: { text: string }) {
  if (props.text.length <= FOLD_CHARS) return <p class="text">{props.text}</p>;
  return (
    <details class="more">
      <summary>
        <span class="text">{props.text.slice(0, FOLD_CHARS)}…</span> <span class="show">show more</span>
      </summary>
      <p class="text">{props.text}</p>
    </details>
  );
}

export function detailLabel(entry: Pick<TranscriptEntry, 'kind' | 'detail'>): string {
  const size = `${Buffer.byteLength(entry.detail ?? '', 'utf8').toLocaleString('en-US')} bytes`;
  const what = entry.kind === 'tool' ? 'input' : entry.kind === 'result' ? 'final answer' : 'output';
  return `${what} (${size})`;
}

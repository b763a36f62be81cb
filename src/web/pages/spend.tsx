import type { Viewer } from '../access.js';
import type { SpendLine, SpendTotals } from '../spend.js';
import { usd } from './format.js';
import { Layout } from './layout.js';

/** A monthly limit and what is left of it this month. */
export interface Budget {
  /** "octo/hello (limits.monthlyCostUsd)" or "installation of octo (MONTHLY_COST_USD_PER_INSTALLATION)". */
  scope: string;
  limitUsd: number;
  spentUsd: number;
}

export function SpendPage(props: { viewer: Viewer; totals: SpendTotals; budgets: Budget[]; month: string }) {
  const { totals } = props;
  return (
    <Layout title="Spend" viewer={props.viewer}>
      <h1>Spend</h1>
      <h2>Budgets this month</h2>
      {props.budgets.length === 0 ? (
        <p class="muted">No monthly limit is set for what you can see.</p>
      ) : (
        <table class="budgets">
          <thead>
            <tr>
              <th>Limit</th>
              <th class="num">Monthly limit</th>
              <th class="num">{`Spent in ${props.month}`}</th>
              <th class="num">Left</th>
            </tr>
          </thead>
          <tbody>
            {props.budgets.map((b) => (
              <tr>
                <td>{b.scope}</td>
                <td class="num">{usd(b.limitUsd)}</td>
                <td class="num">{usd(b.spentUsd)}</td>
                <td class={`num ${b.spentUsd >= b.limitUsd ? 'over' : ''}`}>
                  {usd(Math.max(0, b.limitUsd - b.spentUsd))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{`Last ${totals.daily.length} days`}</h2>
      <DailyChart daily={totals.daily} />
      <h2>Per month</h2>
      <SpendTable lines={totals.byMonth} period="Month" />
      <h2>Per day</h2>
      <SpendTable lines={totals.byDay} period="Day" />
    </Layout>
  );
}

const CHART = { width: 720, height: 180, pad: 24 };

/** Cost per day as SVG bars, rendered here (escaped like everything else): no chart script. */
export function DailyChart(props: { daily: SpendTotals['daily'] }) {
  const max = Math.max(0.01, ...props.daily.map((d) => d.usd));
  const slot = (CHART.width - CHART.pad) / Math.max(1, props.daily.length);
  const plot = CHART.height - CHART.pad;
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${CHART.width} ${CHART.height}`}
      role="img"
      aria-label={`Cost per day, highest ${usd(max)}`}
    >
      <line class="axis" x1={CHART.pad} y1={plot} x2={CHART.width} y2={plot} />
      <text class="label" x={0} y={12}>
        {usd(max)}
      </text>
      {props.daily.map((d, i) => {
        const h = (d.usd / max) * (plot - 16);
        return (
          <g>
            <title>{`${d.day}: ${usd(d.usd)}, ${d.runs} run${d.runs === 1 ? '' : 's'}`}</title>
            <rect class="bar" x={CHART.pad + i * slot + 2} y={plot - h} width={Math.max(1, slot - 4)} height={h} />
            {i % 7 === 0 && (
              <text class="label" x={CHART.pad + i * slot} y={CHART.height - 6}>
                {d.day.slice(5)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

function SpendTable(props: { lines: SpendLine[]; period: string }) {
  if (props.lines.length === 0) return <p class="muted">No runs.</p>;
  return (
    <table class="spend">
      <thead>
        <tr>
          <th>{props.period}</th>
          <th>Repository</th>
          <th>Agent</th>
          <th class="num">Runs</th>
          <th class="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {props.lines.map((l) => (
          <tr>
            <td>{l.period}</td>
            <td>{l.repo}</td>
            <td>{l.agent}</td>
            <td class="num">{String(l.runs)}</td>
            <td class="num">{usd(l.usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// How each statistic is drawn: title, axis, units, line or bars, its summary figure, and whether it
// restarts monthly or turns into one bar a month over long ranges.
import type { Graph } from '@capgo-api/api'
import { type CurveFactory, curveLinear, curveStepAfter } from 'd3-shape'

export interface MetricStyle {
  title: string
  axis: string
  bytes: boolean
  kind: 'line' | 'bars'
  curve: CurveFactory
  color: string
  summary: (values: number[]) => [label: string, value: number]
  /** restarts on the 1st of each month (month-to-date): the line is cut and the boundary marked */
  monthToDate?: boolean
  /** over long ranges, one bar a month with this figure of the month's days (else daily points) */
  monthly?: {
    figure: (values: number[]) => number
    /** the figure is the month's last day's (a month the range starts late in is still whole) */
    lastDay: boolean
    axis: string
    per: string
  }
}

/** Past this many days, a metric with a monthly figure is drawn one bar a month. */
export const MONTHLY_AFTER_DAYS = 62

export const METRICS: Record<Graph, MetricStyle> = {
  mau: {
    title: 'Monthly active users',
    axis: 'Devices this month',
    bytes: false,
    kind: 'line',
    curve: curveLinear,
    color: '#2563eb',
    summary: (v) => ['Peak', Math.max(0, ...v)],
    monthToDate: true,
    // a month's MAU is its month-to-date figure on its last day
    monthly: { figure: (v) => v.at(-1) ?? 0, lastDay: true, axis: 'Devices in the month', per: 'month' },
  },
  storage: {
    title: 'Storage',
    axis: 'Bundle storage',
    bytes: true,
    kind: 'line',
    curve: curveStepAfter,
    color: '#7c3aed',
    summary: (v) => ['Latest', v.at(-1) ?? 0],
  },
  bandwidth: {
    title: 'Bandwidth',
    axis: 'Bytes served per day',
    bytes: true,
    kind: 'bars',
    curve: curveLinear,
    color: '#059669',
    summary: (v) => ['Total', v.reduce((a, b) => a + b, 0)],
    monthly: { figure: (v) => v.reduce((a, b) => a + b, 0), lastDay: false, axis: 'Bytes served per month', per: 'month' },
  },
}

export const chartTitle = (metric: Graph) => METRICS[metric].title
